"""The file store's bytes in an S3-compatible bucket (MinIO), when SEKLIK_S3_ENDPOINT is set.

The same keys as the folder (`incoming/<id>`, `objects/ab/<sha256>`), one object each. S3 writes
an object whole or not at all, so there is no partial-file dance as in FolderBackend. The client
is MinIO's own SDK, which speaks plain HTTP through urllib3: under eventlet its sockets are green,
and it starts no threads of its own.
"""
from __future__ import annotations

import io
import os
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlsplit

import certifi
import urllib3
from minio import Minio
from minio.error import S3Error

# A bucket that is down should fail the command within seconds, not hold a worker for the SDK's
# default five minutes per attempt.
TIMEOUT = urllib3.Timeout(connect=5, read=60)
RETRIES = urllib3.Retry(total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504])
ABSENT = "NoSuchKey"  # the SDK names a 404 on an object so, GET or HEAD alike


class S3Backend:
    """A bucket of an S3-compatible server; `endpoint` is its URL, http(s)://host:port."""

    def __init__(self, endpoint: str, bucket: str, access_key: str, secret_key: str):
        url = urlsplit(endpoint)
        if url.scheme not in ("http", "https") or not url.netloc or url.path.strip("/"):
            raise ValueError(f"SEKLIK_S3_ENDPOINT {endpoint!r} must be a URL "
                             "http(s)://host:port, without a path (the bucket is its own setting)")
        http = urllib3.PoolManager(timeout=TIMEOUT, retries=RETRIES, cert_reqs="CERT_REQUIRED",
                                   ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where())
        self.client = Minio(url.netloc, access_key=access_key or None,
                            secret_key=secret_key or None, secure=url.scheme == "https",
                            http_client=http)
        self.bucket = bucket
        self.make_bucket_unless_there()

    def make_bucket_unless_there(self) -> None:
        # Several services start at once against a fresh server: one of them creates the bucket.
        if self.client.bucket_exists(self.bucket):
            return
        try:
            self.client.make_bucket(self.bucket)
        except S3Error as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    def write(self, key: str, data: bytes) -> None:
        self.client.put_object(self.bucket, key, io.BytesIO(data), length=len(data))

    def read(self, key: str) -> bytes:
        with self.absent_is_not_found(key):
            response = self.client.get_object(self.bucket, key)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def exists(self, key: str) -> bool:
        try:
            self.client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code == ABSENT:
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.remove_object(self.bucket, key)  # S3 answers 204 for an absent key too

    def keys(self, prefix: str) -> Iterator[str]:
        # As FolderBackend: `prefix` is a folder, so "objects" does not list "objects-old/...".
        folder = prefix.rstrip("/") + "/"
        for found in self.client.list_objects(self.bucket, prefix=folder, recursive=True):
            yield found.object_name

    @contextmanager
    def absent_is_not_found(self, key: str):
        """The SDK's NoSuchKey as the FileNotFoundError the Backend protocol promises."""
        try:
            yield
        except S3Error as exc:
            if exc.code == ABSENT:
                raise FileNotFoundError(f"s3://{self.bucket}/{key}") from exc
            raise
