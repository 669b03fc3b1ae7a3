"""The container image, built from the Dockerfile and run the way Fly runs it.

The release command, the `web` and the `worker` processes are read from fly.toml and run
in containers of the image against the suite's PostgreSQL and Redis, with APP_ENV=production.
"""
from __future__ import annotations

import time

import pytest
import requests

from tests.deploy.conftest import PUBLIC_HOST

# One test builds the image (a Debian base on the first run of a day, then apt and pip).
pytestmark = pytest.mark.timeout(1500)

SHIPPED = ["app", "gunicorn.conf.py", "instance", "migrations", "requirements.txt",
           "templates", "wsgi.py"]
# As Fly's proxy forwards a request: the public host name, over HTTPS, from a client.
PROXIED = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


def test_image_holds_only_what_runs_and_what_it_runs_with(podman, app_image):
    assert sorted(podman("run", "--rm", app_image, "ls", "-A", "/app").stdout.split()) == SHIPPED
    assert podman("image", "inspect", "--format", "{{.Config.User}}", app_image).stdout.strip() == "fct"
    tools = podman("run", "--rm", app_image, "sh", "-c",
                   "python3 --version && tesseract --version && pdftoppm -v")
    output = tools.stdout + tools.stderr
    assert "Python 3.11." in output
    assert "tesseract 5." in output
    assert "pdftoppm version 22." in output


# Run in the image as its user: Tesseract (through tesserocr and Debian's English data) reads
# a line rendered with the image's font, and Poppler renders a PDF made by reportlab.
OCR_AND_PDF = """
import glob, subprocess
import tesserocr
from PIL import Image, ImageDraw, ImageFont
from reportlab.pdfgen.canvas import Canvas

line = Image.new("L", (1000, 140), 255)
font = ImageFont.truetype(glob.glob("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")[0], 64)
ImageDraw.Draw(line).text((30, 30), "CITATION 912345678", fill=0, font=font)
print("ocr:", tesserocr.image_to_text(line, path=glob.glob("/usr/share/tesseract-ocr/*/tessdata")[0]))
letter = Canvas("/tmp/letter.pdf")
letter.drawString(72, 720, "Dear hearing officer")
letter.save()
subprocess.run(["pdftoppm", "-png", "-r", "30", "/tmp/letter.pdf", "/tmp/page"], check=True)
print("pages:", sorted(glob.glob("/tmp/page*.png")))
"""


def test_image_reads_a_ticket_line_and_renders_a_letter(podman, app_image):
    done = podman("run", "--rm", app_image, "python3", "-c", OCR_AND_PDF)
    assert "ocr: CITATION 912345678" in done.stdout, done.stdout + done.stderr
    assert "pages: ['/tmp/page-1.png']" in done.stdout, done.stdout + done.stderr


def test_release_makes_the_web_process_ready_and_it_serves_as_a_user(
        podman, app_image, fly_commands, fly_checks, production_env, env_file):
    env = env_file(production_env)
    base_url = f"http://127.0.0.1:{production_env['PORT']}"
    liveness, readiness = fly_checks["/health"], fly_checks["/health/ready"]
    web = podman.start(app_image, fly_commands["web"], env)
    try:
        _wait_for_check(podman, web, base_url, liveness, 200)
        # Nothing is migrated yet: alive, but not ready for traffic.
        assert _probe(base_url, readiness).status_code == 503

        release = podman.run_once(app_image, fly_commands["release"], env)
        assert release.returncode == 0, release.stdout + release.stderr

        _wait_for_check(podman, web, base_url, readiness, 200)
        page = requests.get(base_url + "/", headers=PROXIED, timeout=10, allow_redirects=False)
        assert page.status_code == 200, page.text[:500]
        assert "<form" in page.text

        processes = podman("top", web, "user", "pid", "args").stdout.splitlines()[1:]
        gunicorns = [row.split() for row in processes if "gunicorn" in row]
        workers = int(production_env["WEB_CONCURRENCY"])
        assert len(gunicorns) == 1 + workers, processes  # the arbiter and its workers
        assert all(row[0] == "fct" for row in gunicorns), processes
        assert podman("exec", web, "id", "-u").stdout.strip() == "10001"
    finally:
        podman.remove(web)


def test_worker_process_lists_its_jobs_and_runs_them(
        podman, app_image, fly_commands, production_env, env_file):
    env = env_file(production_env)
    worker = fly_commands["worker"]
    assert worker[-2:] == ["jobs", "run"], worker
    listed = podman.run_once(app_image, [*worker[:-1], "list"], env)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "email_outbox\tevery" in listed.stdout

    release = podman.run_once(app_image, fly_commands["release"], env)
    assert release.returncode == 0, release.stdout + release.stderr
    container = podman.start(app_image, worker, env)
    try:
        # Every job's first run comes within the scheduler's start jitter (10 s).
        logs = podman.wait_for_log(container, '"job finished"', timeout_s=60)
        assert "scheduler starting: " in logs
        assert '"outcome": "ok"' in logs, logs[-3000:]
    finally:
        podman.remove(container)


def test_web_process_refuses_to_start_without_its_secrets(
        podman, app_image, fly_commands, production_env, env_file):
    env = {key: value for key, value in production_env.items() if key != "SECRET_KEY"}
    env["WEB_CONCURRENCY"] = "1"  # one worker to fail to boot is enough
    done = podman.run_once(app_image, fly_commands["web"], env_file(env), timeout=60)
    assert done.returncode != 0
    assert "SECRET_KEY must be" in done.stdout + done.stderr


def _probe(base_url: str, check: dict) -> requests.Response:
    """One of fly.toml's HTTP checks, sent as Fly sends it: to the machine's own address,
    with the check's method and headers."""
    return requests.request(check.get("method", "GET"), base_url + check["path"],
                            headers=check.get("headers", {}), timeout=10, allow_redirects=False)


def _wait_for_check(podman, container: str, base_url: str, check: dict, status: int,
                    timeout_s: float = 60) -> None:
    """Poll (bounded) until the check answers `status`; fail at once if the container exits."""
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            answer = _probe(base_url, check)
            if answer.status_code == status:
                return
            last = f"{answer.status_code}: {answer.text[:300]}"
        except requests.RequestException as exc:  # refused, or no worker booted yet
            last = str(exc)
        if not podman.is_running(container):
            break
        time.sleep(0.2)
    pytest.fail(f"{check['path']} did not answer {status} (last: {last}); container output:\n"
                f"{podman.logs(container)[-4000:]}")
