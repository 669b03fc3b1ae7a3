"""The file store interface every provider implements, and key validation."""
from __future__ import annotations

import re
from typing import BinaryIO, Protocol

# Keys are made by the app ("appeals/<public id>/photos/<hex>.jpg"); anything else is refused
# so a key can never climb out of the upload folder or the bucket prefix.
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*(\.[a-z0-9]{1,5})?$")


class StorageError(RuntimeError):
    """The store could not save, read or delete a file."""


class Storage(Protocol):
    def save(self, key: str, data: bytes, content_type: str | None = None) -> None: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


def check_key(key: str) -> str:
    if not isinstance(key, str) or len(key) > 255 or not KEY_PATTERN.match(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key
