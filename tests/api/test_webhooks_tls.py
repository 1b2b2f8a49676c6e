"""A webhook over https goes to the address the allow-list checked, with the host name for SNI and for the
certificate's check: a certificate the portal does not trust, or one for another name, is a failed attempt."""

from __future__ import annotations

import datetime
import http.server
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from api.webhooks import sending
from api.webhooks.addresses import check_target


def _certificate(folder, name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(tmp_path):
    """An https receiver on 127.0.0.1 with a certificate for "localhost"; yields (port, certificate file)."""
    cert, key = _certificate(tmp_path, "localhost")
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hits.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], cert, hits
    server.shutdown()
    server.server_close()


REAL_DEFAULT_CONTEXT = ssl.create_default_context


def _trusting(cafile):
    return lambda *args, **kwargs: REAL_DEFAULT_CONTEXT(cafile=str(cafile))


def test_https_goes_to_the_checked_address_with_the_host_name_verified(tls_receiver, settings, monkeypatch):
    port, cert, hits = tls_receiver
    settings.PORTAL_WEBHOOK_ALLOWED_NETWORKS = ["localhost"]
    target = check_target(f"https://localhost:{port}/hook")
    answer = sending.post(target, b"{}", {"Content-Type": "application/json"}, timeout=5)
    assert answer.status is None and "CERTIFICATE_VERIFY_FAILED" in answer.error  # not trusted by default

    monkeypatch.setattr(sending.ssl, "create_default_context", _trusting(cert))
    answer = sending.post(target, b"{}", {"Content-Type": "application/json"}, timeout=5)
    assert answer.ok and hits == [f"localhost:{port}"]

    settings.PORTAL_WEBHOOK_ALLOWED_NETWORKS = ["localhost", "127.0.0.1"]
    by_address = check_target(f"https://127.0.0.1:{port}/hook")  # the same server, not the certificate's name
    answer = sending.post(by_address, b"{}", {"Content-Type": "application/json"}, timeout=5)
    assert answer.status is None and "CERTIFICATE_VERIFY_FAILED" in answer.error and len(hits) == 1
