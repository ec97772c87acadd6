"""The file store on its two backends: a folder (the default) and an S3-compatible bucket.

Every behaviour test runs against both, so a regency that moves its scans from the volume to
MinIO gets the same store: the same checks on upload, the same refusal of a damaged file.

The bucket is served by moto's S3 server (`python -m moto.server`), started here as a process of
its own on a free port and spoken to over HTTP by the MinIO SDK. MinIO itself is what a regency
runs, but its server binary is not on this machine (no Docker; not packaged for Debian or PyPI);
moto speaks the same S3 protocol. When moto cannot start, the tests fail: they never skip.
"""
from __future__ import annotations

import socket
import struct
import subprocess
import sys
import time
import uuid
import zlib

import eventlet
import pytest
from minio import Minio
from minio.error import S3Error

from shared.config import Settings
from shared.errors import NotFound, ValidationFailed
from shared.files import (FileDamaged, FileStore, FolderBackend, incoming_key, object_key,
                          settings_cipher)
from shared.s3 import S3Backend

pytestmark = pytest.mark.integration

CIPHER = settings_cipher(Settings.from_env({"SEKLIK_ENV": "development"}))


# Small real files, made from their bytes -------------------------------------------------------

def pdf() -> bytes:
    """A one-page PDF 1.4 with a correct cross-reference table."""
    bodies = [b"<< /Type /Catalog /Pages 2 0 R >>",
              b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1, xref)


def png() -> bytes:
    """A 1x1 grey PNG."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (struct.pack(">I", len(payload)) + kind + payload
                + struct.pack(">I", zlib.crc32(kind + payload)))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))


def jpeg() -> bytes:
    """A 1x1 grey baseline JFIF (Pillow is not installed): one 8x8 block whose DC difference
    and AC coefficients are all zero, each Huffman table a single one-bit code."""
    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload
    one_code = bytes([1] + [0] * 15) + b"\x00"  # one code of length 1, for symbol 0
    return (b"\xff\xd8"
            + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + segment(0xDB, b"\x00" + bytes([1]) * 64)                   # quantisation: all 1
            + segment(0xC0, struct.pack(">BHHB", 8, 1, 1, 1) + b"\x01\x11\x00")  # 1x1, grey
            + segment(0xC4, b"\x00" + one_code + b"\x10" + one_code)    # DC and AC tables
            + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
            + b"\x3f"                                                   # DC 0, EOB, padding
            + b"\xff\xd9")


ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + bytes(100)  # an x86-64 binary


# The S3 server and the two backends ------------------------------------------------------------

@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """moto's S3 server as a process on a free port, stopped after this module."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port(server, port, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_for_port(server: subprocess.Popen, port: int, log, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"moto's S3 server exited ({server.returncode}): "
                        f"{log.read_text(errors='replace')}\nInstall it: pip install -e '.[test]'",
                        pytrace=False)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"moto's S3 server did not listen on {port} within {seconds}s: "
                f"{log.read_text(errors='replace')}", pytrace=False)


def new_bucket(endpoint: str) -> S3Backend:
    return S3Backend(endpoint, f"seklik-{uuid.uuid4().hex[:12]}", "seklik", "seklik-secret")


@pytest.fixture(params=["folder", "s3"])
def backend(request, tmp_path):
    """Each test gets an empty store: a fresh folder, or a fresh bucket on the S3 server."""
    if request.param == "folder":
        return FolderBackend(tmp_path / "files")
    return new_bucket(request.getfixturevalue("s3_endpoint"))


@pytest.fixture
def store(backend):
    return FileStore(backend, CIPHER)


def claimed(staged: dict, name: str = "akta.pdf") -> dict:
    """The `file` of a command, as the gateway sends it on: what staging answered, and a name."""
    return {"upload_id": staged["upload_id"], "sha256": staged["sha256"], "name": name}


def adopted(store: FileStore, data: bytes) -> str:
    """Upload as the gateway and the owning service do: stage, open, keep, discard."""
    staged = store.stage(data)
    store.keep(store.opened(claimed(staged)))
    store.discard(staged["upload_id"])
    return staged["sha256"]


def field_messages(error: ValidationFailed) -> list[str]:
    return error.details["fields"]["file"]


# What the store does, on either backend ------------------------------------------------------

@pytest.mark.parametrize("make, media_type", [(pdf, "application/pdf"), (jpeg, "image/jpeg"),
                                              (png, "image/png")], ids=["pdf", "jpeg", "png"])
def test_a_scan_is_staged_adopted_and_read_back_as_sent(store, backend, make, media_type):
    data = make()
    staged = store.stage(data)
    assert staged["media_type"] == media_type and staged["size"] == len(data)

    upload = store.opened(claimed(staged, f"scan.{make.__name__}"))
    assert (upload.sha256, upload.media_type) == (staged["sha256"], media_type)
    assert upload.record() == {"size": len(data), "media_type": media_type,
                               "name": f"scan.{make.__name__}"}
    store.keep(upload)
    store.discard(staged["upload_id"])

    assert store.read(staged["sha256"]) == data
    assert data not in backend.read(object_key(staged["sha256"]))  # sealed at rest


def test_the_same_scan_uploaded_twice_is_kept_once(store, backend):
    first, second = adopted(store, pdf()), adopted(store, pdf())
    assert first == second
    assert list(backend.keys("objects")) == [object_key(first)]
    assert list(backend.keys("incoming")) == []


def test_an_executable_renamed_to_pdf_is_refused_by_its_bytes(store, backend):
    with pytest.raises(ValidationFailed) as refused:
        store.stage(ELF)  # a clerk's `akta.pdf`: the store judges the bytes, not the name
    assert refused.value.code == "unsupported_file_type"
    assert "PDF, JPEG or PNG" in field_messages(refused.value)[0]
    assert list(backend.keys("incoming")) == []


def test_a_file_over_the_limit_is_refused_at_the_gateway_and_again_in_the_service(backend):
    data = pdf() + b"%" * 2000
    with pytest.raises(ValidationFailed) as refused:
        FileStore(backend, CIPHER, limit=1024).stage(data)
    assert field_messages(refused.value) == ["at most 1,024 bytes"]
    assert list(backend.keys("incoming")) == []

    # A gateway with a looser limit staged it: the owning service checks again.
    staged = FileStore(backend, CIPHER, limit=4096).stage(data)
    with pytest.raises(ValidationFailed) as refused:
        FileStore(backend, CIPHER, limit=1024).opened(claimed(staged))
    assert field_messages(refused.value) == ["at most 1,024 bytes"]


def test_a_stored_file_changed_at_rest_is_refused_as_damaged(store, backend):
    sha256 = adopted(store, jpeg())
    sealed = bytearray(backend.read(object_key(sha256)))
    sealed[len(sealed) // 2] ^= 0xFF
    backend.write(object_key(sha256), bytes(sealed))

    with pytest.raises(FileDamaged) as damaged:
        store.read(sha256)
    assert damaged.value.sha256 == sha256 and "do not open under the key" in damaged.value.why


def test_a_stored_file_swapped_for_another_sealed_file_is_refused_as_damaged(store, backend):
    deed, tax_return = adopted(store, pdf()), adopted(store, png())
    backend.write(object_key(deed), backend.read(object_key(tax_return)))

    with pytest.raises(FileDamaged) as damaged:
        store.read(deed)
    assert "no longer hash" in damaged.value.why
    assert store.read(tax_return) == png()


def test_an_upload_id_nobody_staged_is_refused(store):
    with pytest.raises(ValidationFailed) as refused:
        store.opened({"upload_id": str(uuid.uuid4()), "sha256": "0" * 64, "name": "akta.pdf"})
    assert refused.value.code == "no_such_upload"
    assert "no such upload" in field_messages(refused.value)[0]


def test_an_upload_claimed_with_another_files_hash_is_refused(store):
    staged, other = store.stage(pdf()), store.stage(png())
    with pytest.raises(ValidationFailed) as refused:
        store.opened({**claimed(staged), "sha256": other["sha256"]})
    assert refused.value.code == "no_such_upload"
    assert staged["sha256"] in field_messages(refused.value)[0]


def test_a_discarded_upload_is_gone_and_cannot_be_adopted(store, backend):
    staged = store.stage(png())
    assert backend.exists(incoming_key(staged["upload_id"]))

    store.discard(staged["upload_id"])
    store.discard(staged["upload_id"])  # the gateway discards whatever the answer: twice is fine
    assert not backend.exists(incoming_key(staged["upload_id"]))
    with pytest.raises(ValidationFailed) as refused:
        store.opened(claimed(staged))
    assert refused.value.code == "no_such_upload"


def test_keys_list_the_stored_objects_and_only_under_their_folder(store, backend):
    kept = sorted(adopted(store, make()) for make in (pdf, jpeg, png))
    waiting = store.stage(pdf())["upload_id"]
    backend.write("objects-old/stray", b"not under objects/")

    assert list(backend.keys("objects")) == [object_key(sha256) for sha256 in kept]
    assert sorted(store.stored()) == kept
    assert list(backend.keys("incoming")) == [incoming_key(waiting)]


def test_an_absent_key_reads_as_not_found_and_deletes_quietly(store, backend):
    with pytest.raises(FileNotFoundError):
        backend.read("objects/00/" + "0" * 64)
    assert not backend.exists("objects/00/" + "0" * 64)
    backend.delete("objects/00/" + "0" * 64)
    with pytest.raises(NotFound) as missing:
        store.read("0" * 64)
    assert missing.value.code == "file_not_stored"


# What only the bucket has to do ------------------------------------------------------------

def test_services_starting_together_share_the_bucket_one_of_them_created(s3_endpoint,
                                                                         monkeypatch):
    """Six services start against a fresh server and each finds no bucket. MinIO answers every
    creator after the first 409 BucketAlreadyOwnedByYou; moto answers 200, as AWS does in
    us-east-1, so here moto's answer is turned into MinIO's."""
    name, creators = f"seklik-{uuid.uuid4().hex[:12]}", []

    def as_minio_answers(client, bucket, *args, **kwargs):
        creators.append(bucket)
        if len(creators) > 1:
            raise S3Error(response=None, code="BucketAlreadyOwnedByYou", message="yours already",
                          resource=f"/{bucket}", request_id="", host_id="", bucket_name=bucket)
        return make_bucket(client, bucket, *args, **kwargs)

    make_bucket = Minio.make_bucket
    monkeypatch.setattr(Minio, "bucket_exists", lambda client, bucket: False)
    monkeypatch.setattr(Minio, "make_bucket", as_minio_answers)
    pool = eventlet.GreenPool()
    starts = [pool.spawn(S3Backend, s3_endpoint, name, "seklik", "seklik-secret")
              for _ in range(6)]
    backends = [start.wait() for start in starts]

    assert creators == [name] * 6
    backends[0].write("objects/ab/x", b"x")
    assert all(other.read("objects/ab/x") == b"x" for other in backends)


def test_the_settings_choose_the_bucket_when_an_s3_endpoint_is_set(s3_endpoint, tmp_path):
    name = f"seklik-{uuid.uuid4().hex[:12]}"
    env = {"SEKLIK_ENV": "development", "SEKLIK_FILES_DIR": str(tmp_path / "files")}
    assert isinstance(FileStore.from_settings(Settings.from_env(env)).backend, FolderBackend)

    store = FileStore.from_settings(Settings.from_env({
        **env, "SEKLIK_S3_ENDPOINT": s3_endpoint, "SEKLIK_S3_BUCKET": name,
        "SEKLIK_S3_ACCESS_KEY": "seklik", "SEKLIK_S3_SECRET_KEY": "seklik-secret"}))
    assert isinstance(store.backend, S3Backend) and store.backend.bucket == name
    assert store.read(adopted(store, pdf())) == pdf()
    assert not (tmp_path / "files").exists()


def test_an_endpoint_that_is_not_a_url_is_refused_with_what_is_right():
    with pytest.raises(ValueError, match="http\\(s\\)://host:port"):
        S3Backend("minio:9000", "seklik-files", "seklik", "seklik-secret")
