"""Where the evidence files live: one interface, a folder on disk by default, S3-compatible object storage when
EVIDENCE_S3_BUCKET is set (several servers sharing the load). Keys are names the portal makes (content hashes);
an uploader's file name never reaches a path or an object key."""
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from flask import current_app

_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}\.(jpg|png|pdf)$")


class StorageError(Exception):
    """The storage could not give or keep a file."""


def _checked(key: str) -> str:
    if not _KEY.match(key):  # never a path the portal did not make
        raise StorageError(f"not a storage key: {key!r}")
    return key


class DiskStorage:
    """Files in a folder (EVIDENCE_DIR, else instance/evidence), readable by the portal's user only."""

    def __init__(self, root: Path):
        self.root = root

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write `data` under `key`, atomically; a key already there holds the same bytes and is left alone."""
        path = self.root / _checked(key)
        if path.exists():
            return
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, path)
        finally:
            if os.path.exists(partial):
                os.unlink(partial)

    def get(self, key: str) -> bytes:
        try:
            return (self.root / _checked(key)).read_bytes()
        except FileNotFoundError as error:
            raise StorageError(f"missing file {key}") from error

    def keys(self) -> Iterator[str]:
        """Every stored key (a backup lists them)."""
        for path in sorted(self.root.glob("??/*")):
            key = path.relative_to(self.root).as_posix()
            if _KEY.match(key):
                yield key


class S3Storage:
    """Objects in an S3-compatible bucket (MinIO, Ceph, a cloud's), under EVIDENCE_S3_PREFIX; credentials from the
    usual AWS environment variables or files. boto3 is imported only when this storage is configured."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None, region: str | None = None):
        import boto3  # optional: only a portal that stores its files in a bucket needs it

        self.bucket, self.prefix = bucket, prefix
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + _checked(key), Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.prefix + _checked(key))["Body"].read()
        except ClientError as error:
            raise StorageError(f"missing file {key}: {error}") from error

    def keys(self) -> Iterator[str]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", ()):
                key = item["Key"][len(self.prefix):]
                if _KEY.match(key):
                    yield key


SETTINGS = ("EVIDENCE_DIR", "EVIDENCE_S3_BUCKET", "EVIDENCE_S3_PREFIX", "EVIDENCE_S3_ENDPOINT", "EVIDENCE_S3_REGION")


def storage() -> DiskStorage | S3Storage:
    """The app's storage, made once per app and settings."""
    app = current_app._get_current_object()
    config = app.config
    settings = tuple(config.get(name) for name in SETTINGS)
    made = app.extensions.get("evidence_storage")
    if made is None or made[0] != settings:
        if config.get("EVIDENCE_S3_BUCKET"):
            store = S3Storage(config["EVIDENCE_S3_BUCKET"], config.get("EVIDENCE_S3_PREFIX") or "",
                              config.get("EVIDENCE_S3_ENDPOINT"), config.get("EVIDENCE_S3_REGION"))
        else:
            store = DiskStorage(Path(config.get("EVIDENCE_DIR") or Path(app.instance_path) / "evidence"))
        made = app.extensions["evidence_storage"] = (settings, store)
    return made[1]
