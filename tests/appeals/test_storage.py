"""The storage integration: local files by key, and a clear start-up error for S3 without boto3."""
import pytest

from app.config import ConfigError
from app.integrations.storage import LocalStorage, StorageError, s3


def test_local_storage_round_trip(tmp_path):
    store = LocalStorage(str(tmp_path / "uploads"))
    store.save("appeals/abc_DEF-1/photos/0a1b.jpg", b"bytes")
    assert store.exists("appeals/abc_DEF-1/photos/0a1b.jpg")
    with store.open("appeals/abc_DEF-1/photos/0a1b.jpg") as handle:
        assert handle.read() == b"bytes"
    store.delete("appeals/abc_DEF-1/photos/0a1b.jpg")
    store.delete("appeals/abc_DEF-1/photos/0a1b.jpg")  # already gone: fine
    assert not store.exists("appeals/abc_DEF-1/photos/0a1b.jpg")
    with pytest.raises(FileNotFoundError):
        store.open("appeals/abc_DEF-1/photos/0a1b.jpg")
    assert [p.name for p in (tmp_path / "uploads").rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("key", ["../etc/passwd", "/etc/passwd", "a//b", "a/../b", "", "a\\b",
                                 "a/b.JPEG.exe"])
def test_keys_cannot_escape_the_store(tmp_path, key):
    with pytest.raises(ValueError):
        LocalStorage(str(tmp_path)).save(key, b"x")


def test_unwritable_upload_dir_is_a_storage_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError):
        LocalStorage(str(blocker)).save("a/b.png", b"x")


def test_bound_as_the_storage_extension(app):
    assert isinstance(app.extensions["storage"], LocalStorage)


@pytest.mark.skipif(s3.available(), reason="boto3 is installed, so S3 storage can start")
def test_s3_without_boto3_stops_start_up_with_a_clear_message(app_factory):
    with pytest.raises(ConfigError, match="boto3"):
        app_factory(STORAGE_BACKEND="s3", AWS_S3_BUCKET="appeal-files")
