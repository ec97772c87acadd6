"""The deployment's cipher: AES-GCM as eventsourcing's AESCipher writes it (nonce, tag,
ciphertext), with one AESGCM per key and nonces drawn from the operating system in blocks, so
a rebuild's thousands of encryptions a second do not each make a system call (and, with a
read-ahead thread beside them, each give the GIL away)."""
from __future__ import annotations

import os
import threading

import pytest
from eventsourcing.cryptography import AESCipher as StockCipher
from eventsourcing.utils import Environment, resolve_topic

from shared import cipher as module
from shared.cipher import AESCipher, NonceSource
from shared.config import Settings


def environment(key: str | None = None) -> Environment:
    return Environment(env={"CIPHER_KEY": key or StockCipher.create_key(32)})


def test_what_either_cipher_writes_the_other_reads():
    env = environment()
    ours, stock = AESCipher(env), StockCipher(env)
    assert stock.decrypt(ours.encrypt(b"NPWP 01.234.567.8-901.000")) == b"NPWP 01.234.567.8-901.000"
    assert ours.decrypt(stock.encrypt(b"rekening 1234")) == b"rekening 1234"


def test_a_changed_byte_or_another_key_is_refused_as_the_stock_cipher_refuses_it():
    sealed = bytearray(AESCipher(environment()).encrypt(b"NIK 1602011234560001"))
    with pytest.raises(ValueError, match="Invalid cipher tag"):
        AESCipher(environment()).decrypt(bytes(sealed))  # another key
    sealed[-1] ^= 1
    with pytest.raises(ValueError, match="Invalid cipher tag"):
        AESCipher(environment()).decrypt(bytes(sealed))
    with pytest.raises(ValueError, match="nonce"):
        AESCipher(environment()).decrypt(b"short")


def test_no_nonce_is_given_twice_across_blocks_and_threads():
    source = NonceSource(block=64)  # a block of 64 nonces: many refills
    drawn: list[bytes] = []

    def draw():
        mine = [source.next() for _ in range(2_000)]
        drawn.extend(mine)

    threads = [threading.Thread(target=draw) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(drawn) == 16_000 and len(set(drawn)) == 16_000
    assert {len(nonce) for nonce in drawn} == {12}


def test_the_operating_system_is_asked_once_a_block(monkeypatch):
    asked = []
    urandom = os.urandom
    monkeypatch.setattr(module.os, "urandom", lambda n: asked.append(n) or urandom(n))
    source = NonceSource(block=100)
    for _ in range(250):
        source.next()
    assert asked == [1200, 1200, 1200]


def test_a_forked_child_draws_its_own_nonces_not_its_parent_s():
    source = NonceSource(block=1000)
    source.next()  # the parent holds a block
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # the child: the next nonce it would use, to the parent
        os.write(writer, source.next())
        os._exit(0)
    os.close(writer)
    theirs = os.read(reader, 12)
    os.waitpid(child, 0)
    assert len(theirs) == 12 and theirs != source.next()


def test_the_settings_name_it_unless_a_deployment_names_another():
    settings = Settings.from_env({"SEKLIK_ENV": "development"})
    assert resolve_topic(settings.cipher["CIPHER_TOPIC"]) is AESCipher
    named = Settings.from_env({"SEKLIK_ENV": "development", "CIPHER_KEY": StockCipher.create_key(32),
                               "CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher"})
    assert resolve_topic(named.cipher["CIPHER_TOPIC"]) is StockCipher
