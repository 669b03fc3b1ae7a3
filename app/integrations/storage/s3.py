"""Files in an S3 bucket (or any S3-compatible endpoint through AWS_ENDPOINT_URL).

boto3 is optional: it is not in requirements.txt, so STORAGE_BACKEND=s3 without it stops
the app at start-up with a message saying so (see `init_app`).
"""
from __future__ import annotations

import io
from typing import BinaryIO

from app.integrations.storage.base import StorageError, check_key

try:  # optional dependency, only needed for STORAGE_BACKEND=s3
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # pragma: no cover - depends on the environment
    boto3 = None

# Every call has its own timeout; botocore's own retries stay small (standard mode, 3 tries).
CLIENT_TIMEOUTS = dict(connect_timeout=3, read_timeout=10,
                       retries={"max_attempts": 3, "mode": "standard"})


def available() -> bool:
    return boto3 is not None


class S3Storage:
    def __init__(self, bucket: str, region: str = "", endpoint_url: str = ""):
        self.bucket = bucket
        self._client = boto3.client("s3", region_name=region or None,
                                    endpoint_url=endpoint_url or None,
                                    config=Config(**CLIENT_TIMEOUTS))

    def save(self, key: str, data: bytes, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        try:
            self._client.put_object(Bucket=self.bucket, Key=check_key(key), Body=data,
                                    ServerSideEncryption="AES256", **extra)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"could not save {key}: {type(exc).__name__}") from exc

    def open(self, key: str) -> BinaryIO:
        try:
            body = self._client.get_object(Bucket=self.bucket, Key=check_key(key))["Body"]
            return io.BytesIO(body.read())
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(key) from exc
            raise StorageError(f"could not read {key}: {type(exc).__name__}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"could not read {key}: {type(exc).__name__}") from exc

    def delete(self, key: str) -> None:
        try:
            self._client.delete_object(Bucket=self.bucket, Key=check_key(key))
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"could not delete {key}: {type(exc).__name__}") from exc

    def exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self.bucket, Key=check_key(key))
            return True
        except ClientError:
            return False
