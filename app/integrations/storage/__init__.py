"""The storage integration: one interface, the provider chosen from Settings.

`app.extensions["storage"]` has `save(key, data, content_type=None)`, `open(key)` (a
binary file object; FileNotFoundError when missing), `delete(key)` (missing is fine) and
`exists(key)`. STORAGE_BACKEND=local keeps files under UPLOAD_DIR; s3 needs boto3.
"""
from __future__ import annotations

from flask import Flask, current_app

from app.config import ConfigError, Settings
from app.integrations.storage import s3
from app.integrations.storage.base import Storage, StorageError, check_key
from app.integrations.storage.local import LocalStorage

__all__ = ["LocalStorage", "Storage", "StorageError", "build", "check_key", "file_storage", "init_app"]


def build(settings: Settings) -> Storage:
    if settings.storage_backend == "s3":
        if not s3.available():
            raise ConfigError("STORAGE_BACKEND=s3 needs the boto3 package, which is not installed "
                              "(pip install boto3), or set STORAGE_BACKEND=local")
        return s3.S3Storage(settings.aws_s3_bucket, settings.aws_region, settings.aws_endpoint_url)
    return LocalStorage(settings.upload_dir)


def init_app(app: Flask, settings: Settings) -> None:
    """Bind the configured storage provider to `app.extensions`."""
    app.extensions["storage"] = build(settings)


def file_storage() -> Storage:
    """The running app's file store (local or S3)."""
    return current_app.extensions["storage"]
