"""The file store's rules that need no server: what a file is, its settings, and how an upload
counts in a command's payload and in the personal-data rule. (The store itself, on a folder and
on an S3 bucket: tests/integration/test_file_store_s3.py.)"""
import pytest

from shared.application import payload_digest
from shared.config import ConfigurationError, Settings
from shared.files import sniff
from shared.personal import masked, sealed

KEY = b"k" * 32


@pytest.mark.parametrize("head,media_type", [
    (b"%PDF-1.7\n", "application/pdf"), (b"\xff\xd8\xff\xe0\0\x10JFIF", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image/png"), (b"\x7fELF\x02\x01\x01", None),
    (b"MZ\x90\0", None), (b"<html>%PDF-", None), (b"", None)])
def test_the_type_is_the_bytes_not_the_name(head, media_type):
    assert sniff(head) == media_type


def test_the_file_settings_default_beside_the_stores_and_refuse_a_nonsense_limit():
    settings = Settings.from_env({"SEKLIK_DATA_DIR": "/srv/seklik"})
    assert str(settings.files_dir) == "/srv/seklik/files"
    assert settings.file_limit == 10 * 1024 * 1024 and settings.s3 is None
    assert Settings.from_env({"SEKLIK_FILE_LIMIT_MB": "2.5"}).file_limit == 2_621_440
    for bad in ("0", "-1", "nan", "ten", "4096"):
        with pytest.raises(ConfigurationError, match="SEKLIK_FILE_LIMIT_MB"):
            Settings.from_env({"SEKLIK_FILE_LIMIT_MB": bad})
    s3 = Settings.from_env({"SEKLIK_S3_ENDPOINT": "http://minio:9000"}).s3
    assert s3["endpoint"] == "http://minio:9000" and s3["bucket"] == "seklik-files"


def test_the_same_file_under_the_same_command_id_is_the_same_command():
    """An upload id is new for every request; the bytes count by their sha256."""
    def document(upload_id, sha256):
        return {"document": {"kind": "npwp", "file": {"upload_id": upload_id,
                                                      "sha256": sha256, "name": "a.pdf"}}}

    first = payload_digest(KEY, (), document("u-1", "a" * 64))
    assert payload_digest(KEY, (), document("u-2", "a" * 64)) == first
    assert payload_digest(KEY, (), document("u-2", "b" * 64)) != first


def test_a_kept_file_s_name_is_personal_data():
    """People name a scan after the number on it: the name is sealed and masked like one."""
    payload = {"kind": "npwp", "number": "012345678901234", "sha256": "a" * 64,
               "file": {"size": 10, "media_type": "application/pdf",
                        "name": "NPWP 012345678901234.pdf"}}
    out = sealed(payload, None, KEY)
    assert set(out["file"]["name"]) == {"digest"} and out["file"]["size"] == 10
    assert "012345678901234" not in repr(out)
    assert masked(payload)["file"]["name"].endswith(".pdf")
    assert "0123456789" not in masked(payload)["file"]["name"]
