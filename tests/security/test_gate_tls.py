"""Pinning keeps TLS intact: the socket goes to the checked address, while the server name
(SNI), the certificate check and the Host header keep the name. A TLS server on 127.0.0.1 with
a certificate for ``public.example`` only, made for the test."""

from __future__ import annotations

import datetime
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from wagtail_crosspost.adapters.base import ConfigurationError
from wagtail_crosspost.adapters.http import HTTPClient
from wagtail_crosspost.testing.gate import RecordingConnector, gate_hooks, resolving

PUBLIC = "93.184.215.14"


def certificate(tmp_path, name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


@pytest.fixture
def tls_server(tmp_path):
    cert_file, key_file = certificate(tmp_path, "public.example")
    seen = {"sni": [], "host": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen["host"].append(self.headers.get("Host"))
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield httpd.server_address[1], cert_file, seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_pinned_https_connection_keeps_sni_host_and_certificate_check(tls_server):
    port, ca_file, seen = tls_server
    connector = RecordingConnector(to=("127.0.0.1", port))
    with gate_hooks(resolve=resolving({"public.example": PUBLIC}), connect=connector):
        response = HTTPClient("Example").request(
            "GET", f"https://public.example:{port}/ok", verify=ca_file
        )
    assert response.json() == {"ok": True}
    assert connector.addresses == [(PUBLIC, port)]
    assert seen["sni"] == ["public.example"]
    assert seen["host"] == [f"public.example:{port}"]


def test_the_certificate_is_checked_against_the_name_not_the_address(tls_server):
    """``other.example`` pinned to the same server: its certificate does not name it."""
    port, ca_file, _ = tls_server
    connector = RecordingConnector(to=("127.0.0.1", port))
    with gate_hooks(resolve=resolving({"other.example": PUBLIC}), connect=connector):
        with pytest.raises(ConfigurationError, match="identity"):
            HTTPClient("Example").request(
                "POST", f"https://other.example:{port}/ok", verify=ca_file, json={}
            )
