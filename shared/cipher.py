"""The deployment's cipher: AES-GCM under CIPHER_KEY, the bytes eventsourcing's AESCipher
writes (a 12-byte random nonce, the 16-byte tag, the ciphertext), so either reads what the
other wrote and a store written before this cipher reads back unchanged.

Two costs of the stock cipher are gone. It builds an AESGCM object for every call; this one
keeps one per key. And it asks the operating system for each nonce: a system call that gives
the GIL away, so a rebuild with a read-ahead thread beside it waited for the GIL back on every
event it encrypted (28 µs a nonce against 0.6 µs alone; docs/benchmarks.md). Nonces here are
drawn from the same source (`os.urandom`) a block at a time: as random as one by one, and
never handed out twice. A forked process starts a block of its own, never its parent's.
"""
from __future__ import annotations

import os
import threading

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.cryptography import AESCipher as StockCipher

NONCE = 12  # bytes: 96 bits, GCM's own length
TAG = 16


class NonceSource:
    """Random 96-bit nonces from `os.urandom`, `block` of them per system call. Safe to share
    between threads and green threads; after a fork the child draws a new block (the hook
    os.fork runs: asking getpid for each nonce would be the system call saved)."""

    def __init__(self, block: int = 4096):
        self.block = block
        self._lock = threading.Lock()
        self._drop()
        os.register_at_fork(after_in_child=self._drop)

    def _drop(self) -> None:
        self._buffer, self._at = b"", 0

    def next(self) -> bytes:
        with self._lock:
            if self._at >= len(self._buffer):
                self._buffer, self._at = os.urandom(NONCE * self.block), 0
            nonce = self._buffer[self._at:self._at + NONCE]
            self._at += NONCE
            return nonce


NONCES = NonceSource()


class AESCipher(StockCipher):
    """eventsourcing's AESCipher (same key, same bytes), one AESGCM per key and nonces from
    `NONCES`. CIPHER_TOPIC=shared.cipher:AESCipher is the default (shared/config.py)."""

    def __init__(self, environment):
        super().__init__(environment)
        self._aesgcm = AESGCM(self.key)

    def encrypt(self, plaintext: bytes) -> bytes:
        nonce = NONCES.next()
        sealed = self._aesgcm.encrypt(nonce, plaintext, None)
        return nonce + sealed[-TAG:] + sealed[:-TAG]  # the tag first, as the stock cipher

    def decrypt(self, ciphertext: bytes) -> bytes:
        nonce, tag = ciphertext[:NONCE], ciphertext[NONCE:NONCE + TAG]
        if len(nonce) != NONCE:
            raise ValueError("Damaged cipher text: invalid nonce length")
        if len(tag) != TAG:
            raise ValueError("Damaged cipher text: invalid tag length")
        try:
            return self._aesgcm.decrypt(nonce, ciphertext[NONCE + TAG:] + tag, None)
        except InvalidTag as error:
            raise ValueError("Invalid cipher tag") from error
