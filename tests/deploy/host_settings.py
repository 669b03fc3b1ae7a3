"""What this machine does to reach Debian and PyPI, handed to the image build at test time.

Nothing machine-specific is committed: the Debian mirror comes from apt's own reading of
/etc/apt/sources.list*, and pip's index and CA settings from `pip config list`, each time
the test runs.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SUITE = "bookworm"
PIP_INDEX_KEYS = ("index-url", "extra-index-url", "trusted-host", "default-timeout", "timeout")


def debian_sources(suite: str = SUITE) -> list[tuple[str, str, str]]:
    """(uri, release, components) of this machine's apt sources for `suite` and its updates
    and security releases, as apt itself reads them."""
    listed = subprocess.run(
        ["apt-get", "indextargets", "--format", "$(REPO_URI) $(RELEASE) $(COMPONENT)",
         "Identifier: Packages"], capture_output=True, text=True, check=True, timeout=60).stdout
    found: dict[tuple[str, str], list[str]] = {}
    for line in sorted(set(listed.splitlines())):
        uri, release, component = line.split()
        if release == suite or release.startswith(f"{suite}-"):
            found.setdefault((uri, release), []).append(component)
    if not any(release == suite for _, release in found):
        raise RuntimeError(f"no Debian {suite} source in /etc/apt/sources.list*: "
                           "the base image is made from this machine's Debian mirror")
    return [(uri, release, " ".join(parts)) for (uri, release), parts in found.items()]


def debian_mirror(suite: str = SUITE) -> str:
    return next(uri for uri, release, _ in debian_sources(suite) if release == suite)


def sources_list(suite: str = SUITE) -> str:
    """/etc/apt/sources.list for the base image: the same mirror, updates and security."""
    return "".join(f"deb {uri} {release} {components}\n"
                   for uri, release, components in debian_sources(suite))


def pip_settings() -> dict[str, str]:
    """pip's effective settings here (files, then PIP_* variables), by option name."""
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True,
                            text=True, check=True, timeout=60).stdout
    files, env = {}, {}
    for line in listed.splitlines():
        key, _, raw = line.partition("=")
        section, _, name = key.rpartition(".")
        (env if section == ":env:" else files)[name] = ast.literal_eval(raw)
    return {**files, **env}


def pip_build_secrets(workdir: Path) -> list[str]:
    """`--secret` options for the Dockerfile's optional `pip_conf` and `pip_ca`.

    Only what works from inside a container is passed: network indexes, not file:// ones or
    find-links directories on this disk.
    """
    settings = pip_settings()
    lines = []
    for name in PIP_INDEX_KEYS:
        value = settings.get(name, "")
        if name.endswith("index-url"):
            value = " ".join(url for url in value.split() if url.startswith(("http://", "https://")))
        if value:
            lines.append(f"{name} = {value}")
    secrets = []
    if lines:
        conf = workdir / "pip.conf"
        conf.write_text("[global]\n" + "\n".join(lines) + "\n")
        secrets += ["--secret", f"id=pip_conf,src={conf}"]
    if settings.get("cert"):
        secrets += ["--secret", f"id=pip_ca,src={settings['cert']}"]
    return secrets
