"""A throwaway self-signed certificate for fakes that offer TLS (the SMTP fake's STARTTLS).

Made with the `cryptography` package when it is installed, else with the `openssl` command;
when neither is there, `self_signed_cert()` returns None and the fakes skip TLS. The files
live in one temp dir per test process, removed when the process exits.
"""
from __future__ import annotations

import datetime
import functools
import ipaddress
import shutil
import ssl
import subprocess
import tempfile
from pathlib import Path

_dirs: list[tempfile.TemporaryDirectory] = []  # kept alive; each removed at interpreter exit


@functools.lru_cache(maxsize=1)
def self_signed_cert() -> tuple[Path, Path] | None:
    """(cert.pem, key.pem) for CN=localhost with SANs localhost and 127.0.0.1, or None."""
    _dirs.append(tempfile.TemporaryDirectory(prefix="fct-tls-"))
    cert, key = Path(_dirs[-1].name) / "cert.pem", Path(_dirs[-1].name) / "key.pem"
    try:
        _with_cryptography(cert, key)
    except ImportError:
        if not shutil.which("openssl"):
            return None
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=60)
    return cert, key


def _with_cryptography(cert_path: Path, key_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .sign(key, hashes.SHA256()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))


def server_context() -> ssl.SSLContext | None:
    """A server-side TLS context with the self-signed certificate, or None without one."""
    files = self_signed_cert()
    if files is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*files)
    return context


def client_context() -> ssl.SSLContext | None:
    """A client-side context that trusts the self-signed certificate (for smtplib.starttls)."""
    files = self_signed_cert()
    return ssl.create_default_context(cafile=str(files[0])) if files else None
