"""Posting files to the photo step as a browser (or an attacker) does, and reading back what was stored."""
from __future__ import annotations

import io
import threading
import time

from app.extensions import db
from app.models import Appeal
from tests.appeals.conftest import token_for


def upload(client, public_id: str, *files: tuple[str, bytes], token: str | None = None):
    """A multipart POST of (file name, bytes) pairs in the `photos` field."""
    url = f"/appeals/{public_id}/photos"
    token = token or token_for(client, url)
    data = {"csrf_token": token,
            "photos": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(url, data=data, content_type="multipart/form-data")


def upload_raw_parts(client, public_id: str, parts: list[tuple[str, bytes]], token: str):
    """A hand-written multipart body: each part's Content-Disposition filename is given as is
    (`filename=""` included), which form encoders would not send."""
    boundary = "----photo-step-boundary"
    body = io.BytesIO()
    body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
               f"{token}\r\n".encode())
    for filename, content in parts:
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
                   f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode())
        body.write(content + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    return client.post(f"/appeals/{public_id}/photos", data=body.getvalue(),
                       content_type=f"multipart/form-data; boundary={boundary}")


def stored_photos(app, public_id: str) -> list[tuple[str, str, int, str]]:
    """(storage key, content type, size, sha256) of every photo recorded for the appeal."""
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        return [(p.storage_key, p.content_type, p.size_bytes, p.sha256) for p in appeal.photos]


def stored_bytes(app, key: str) -> bytes:
    with app.extensions["storage"].open(key) as handle:
        return handle.read()


def within(seconds: float, call):
    """(result, wall seconds) of `call()`, or AssertionError once `seconds` have passed.

    The call runs in a daemon thread so that a request that never ends fails the test
    instead of hanging it.
    """
    outcome: list = []
    started = time.perf_counter()
    worker = threading.Thread(target=lambda: outcome.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    elapsed = time.perf_counter() - started
    assert not worker.is_alive(), f"still busy after {seconds} s"
    assert outcome, "the call raised (see the thread's traceback above)"
    return outcome[0], elapsed
