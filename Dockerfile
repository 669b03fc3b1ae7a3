# Fight City Tickets: one image for the `web` (gunicorn), `worker` (flask jobs run) and
# release (flask db upgrade) processes of fly.toml. Debian bookworm, whose python3 is 3.11.
# The base is a build argument so a build can start from a locally made Debian image.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}

# The runtime section of the one Debian package list (scripts/lib/debian-packages), read
# with the same awk program as scripts/lib/setup.sh.
COPY scripts/lib/debian-packages /tmp/debian-packages
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      $(awk -v section="[runtime]" '/^\[/ { on = ($1 == section); next } \
          on && NF && $1 !~ /^#/ { print $1 }' /tmp/debian-packages) \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /tmp/debian-packages \
 && useradd --uid 10001 --user-group --create-home --shell /usr/sbin/nologin fct

# The pinned packages in a virtual environment. Two optional build secrets let a machine
# behind its own index or TLS-inspecting proxy build without baking that into the image:
# `pip_conf` (a pip.conf) and `pip_ca` (a CA bundle for pip).
ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH
COPY requirements.txt /app/requirements.txt
RUN --mount=type=secret,id=pip_conf --mount=type=secret,id=pip_ca \
    if [ -f /run/secrets/pip_conf ]; then export PIP_CONFIG_FILE=/run/secrets/pip_conf; fi; \
    if [ -f /run/secrets/pip_ca ]; then export PIP_CERT=/run/secrets/pip_ca; fi; \
    python3 -m venv /opt/venv \
 && pip install --no-cache-dir --disable-pip-version-check -r /app/requirements.txt

# Only what runs; the code stays owned by root, read-only to the app's user.
WORKDIR /app
COPY wsgi.py gunicorn.conf.py ./
COPY migrations/ migrations/
COPY templates/ templates/
COPY app/ app/
RUN python3 -m compileall -q app migrations \
 && install -d -o fct -g fct -m 0700 /app/instance

USER fct
ENV APP_ENV=production FLASK_APP=wsgi:app PORT=8080 PYTHONUNBUFFERED=1 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/fct-prometheus
EXPOSE 8080
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
