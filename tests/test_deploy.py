"""The production examples in deploy/ and docs/DEPLOYING.md hold together.

Checked by the real tools, which CI installs (.ci/run): `systemd-analyze verify` on the units (with the install path
replaced by this checkout, so that every ExecStart names a program that exists), `nginx -t` on the server block
(with a throwaway certificate), and a real nginx started with it in front of a small backend: the headers the
portal trusts are overwritten, a body over PORTAL_MAX_UPLOAD_MB is refused before it reaches the portal, /media/
goes to the portal. Checked by reading the files: each unit's sections and keys, the commands they start (a
management command the portal has, the modules gunicorn and Celery load), exactly one beat, and every environment
variable named in the env example and in docs/DEPLOYING.md is one that settings.py reads, and the reverse.
"""

from __future__ import annotations

import datetime
import http.client
import http.server
import importlib.util
import json
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())
INSTALL = "/srv/selec-portal"
NGINX_CONF = DEPLOY / "nginx" / "selec-portal.conf"


def parse_unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """{section: [(key, value), ...]} as systemd reads a unit file (keys may repeat; # and ; start comments)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None and "=" in line, f"{path.name}: {line!r} outside a section or not key=value"
        key, value = line.split("=", 1)
        current.append((key.strip(), value.strip()))
    return sections


def values(unit: dict, section: str, key: str) -> list[str]:
    return [value for name, value in unit.get(section, []) if name == key]


def settings_variables() -> set[str]:
    source = (ROOT / "selec_portal" / "settings.py").read_text()
    return set(re.findall(r'(?:env_str|env_bool|env_int|env_list|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]+)"', source))


# --- systemd ----------------------------------------------------------------------------------------------------------


def test_the_units_pass_systemd_analyze_verify(tmp_path):
    assert shutil.which("systemd-analyze"), "systemd-analyze is missing: apt-get install systemd (.ci/run does)"
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace(INSTALL, str(ROOT)))
    result = subprocess.run(
        ["systemd-analyze", "verify", *(unit.name for unit in UNITS)], cwd=tmp_path, capture_output=True, text=True
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not [line for line in output.splitlines() if any(unit.name in line for unit in UNITS)], output


@pytest.mark.parametrize("path", [u for u in UNITS if u.suffix == ".service"], ids=lambda p: p.name)
def test_each_service_runs_a_real_command_of_the_portal_as_its_user_with_its_environment(path):
    unit = parse_unit(path)
    assert values(unit, "Unit", "Description")
    assert values(unit, "Service", "User") == ["selec-portal"]
    assert values(unit, "Service", "WorkingDirectory") == [INSTALL]
    assert "/etc/selec-portal/portal.env" in values(unit, "Service", "EnvironmentFile")
    [command] = values(unit, "Service", "ExecStart")
    program, *args = shlex.split(command)
    assert program.startswith(f"{INSTALL}/.venv/bin/")
    local = Path(program.replace(INSTALL, str(ROOT)))
    assert local.is_file(), f"{program}: no such program in the project's virtualenv"
    name = local.name
    if name == "gunicorn":
        assert importlib.util.find_spec(args[0]) is not None and args[0] == "selec_portal.wsgi"
        assert "127.0.0.1:8000" in args  # nginx's upstream
    elif name == "celery":
        assert args[:2] == ["-A", "selec_portal"] and importlib.util.find_spec("selec_portal.celery")
        assert args[2] in ("worker", "beat")
    else:
        assert name.startswith("python") and args[0] == f"{INSTALL}/manage.py"
        assert args[1] in get_commands(), f"manage.py {args[1]}: no such command"


def test_exactly_one_unit_runs_celery_beat_and_no_worker_embeds_one():
    commands = [values(parse_unit(u), "Service", "ExecStart") for u in UNITS if u.suffix == ".service"]
    starts = [shlex.split(c[0])[1:] for c in commands]
    assert sum(1 for args in starts if args[2:3] == ["beat"]) == 1
    for args in starts:
        if args[2:3] == ["worker"]:
            assert "-B" not in args and "--beat" not in args


def test_the_backup_runs_from_a_timer_with_retention_and_its_key_apart():
    service = parse_unit(DEPLOY / "systemd" / "selec-portal-backup.service")
    timer = parse_unit(DEPLOY / "systemd" / "selec-portal-backup.timer")
    assert values(service, "Service", "Type") == ["oneshot"] and "Install" not in service
    assert "/etc/selec-portal/backup.env" in values(service, "Service", "EnvironmentFile")
    assert values(service, "Service", "UMask") == ["0077"]
    assert values(timer, "Timer", "Unit") == ["selec-portal-backup.service"]
    assert values(timer, "Timer", "OnCalendar") and values(timer, "Timer", "Persistent") == ["true"]
    assert values(timer, "Install", "WantedBy") == ["timers.target"]
    example = (DEPLOY / "selec-portal.env.example").read_text()
    assert re.search(r"^PORTAL_BACKUP_KEEP=\d+$", example, re.M) and "\nPORTAL_BACKUP_KEY=" not in example


# --- the environment --------------------------------------------------------------------------------------------------


def test_every_variable_of_the_env_example_is_one_settings_reads():
    named = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (DEPLOY / "selec-portal.env.example").read_text(), re.M))
    assert named and not named - settings_variables(), named - settings_variables()


def test_deploying_md_describes_every_variable_settings_reads_and_no_other():
    text = (ROOT / "docs" / "DEPLOYING.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", text, re.M))
    assert settings_variables() - documented == set()
    assert documented - settings_variables() == set()


# --- nginx ------------------------------------------------------------------------------------------------------------


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "portal.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _nginx_config(folder: Path, *, http_port: int, https_port: int, backend_port: int) -> Path:
    """The server block as shipped, with a throwaway certificate, local ports and the rest of an nginx.conf."""
    cert, key = _certificate(folder)
    block = NGINX_CONF.read_text()
    block = block.replace("/etc/ssl/selec-portal/fullchain.pem", str(cert))
    block = block.replace("/etc/ssl/selec-portal/privkey.pem", str(key))
    block = re.sub(r"^\s*listen \[::\]:.*\n", "", block, flags=re.M)
    block = block.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    block = block.replace("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
    block = block.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{backend_port};")
    (folder / "selec-portal.conf").write_text(block)
    temp = " ".join(
        f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = folder / "nginx.conf"
    conf.write_text(
        f"daemon off;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\nevents {{}}\n"
        f"http {{\n access_log off;\n {temp}\n include {folder / 'selec-portal.conf'};\n}}\n"
    )
    return conf


def _nginx(*args: str, folder: Path, **kwargs):
    assert shutil.which("nginx"), "nginx is missing: apt-get install nginx-light (.ci/run does)"
    return subprocess.run(["nginx", "-p", str(folder), "-e", str(folder / "error.log"), *args], **kwargs)


def test_the_nginx_server_block_passes_nginx_t(tmp_path):
    conf = _nginx_config(tmp_path, http_port=_free_port(), https_port=_free_port(), backend_port=_free_port())
    result = _nginx("-t", "-c", str(conf), folder=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_the_nginx_limit_is_the_portal_s_and_uploaded_files_are_never_served_from_disk():
    text = NGINX_CONF.read_text()
    assert re.findall(r"^\s*client_max_body_size (\d+)m;", text, re.M) == [str(settings.PORTAL_MAX_UPLOAD_MB)]
    assert not re.search(r"^\s*(alias|root)\s", text, re.M)
    assert not re.search(r"location[^{]*/media", text)


class _Backend(http.server.BaseHTTPRequestHandler):
    """Answers with the request's path and headers as JSON; counts what reached it."""

    seen: list[str] = []

    def _answer(self):
        self.seen.append(self.path)
        body = json.dumps({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


def test_nginx_overwrites_the_forwarded_headers_and_refuses_a_body_over_the_limit(tmp_path):
    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Backend)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    http_port, https_port = _free_port(), _free_port()
    conf = _nginx_config(tmp_path, http_port=http_port, https_port=https_port, backend_port=backend.server_port)
    nginx = subprocess.Popen(
        ["nginx", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)], stderr=subprocess.PIPE
    )
    tls = ssl.create_default_context()
    tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=0.1).close()
                break
            except OSError:
                threading.Event().wait(0.05)

        def request(method, path, headers, port=https_port):
            conn = http.client.HTTPSConnection("127.0.0.1", port, context=tls, timeout=10)
            conn.putrequest(method, path, skip_host=True)
            for key, value in {"Host": "portal.example.org", **headers}.items():
                conn.putheader(key, value)
            conn.endheaders()
            response = conn.getresponse()
            body = response.read()
            conn.close()
            return response.status, body

        status, body = request(
            "GET", "/media/projects/evidence.pdf", {"X-Forwarded-Proto": "http", "X-Forwarded-For": "6.6.6.6"}
        )
        assert status == 200
        seen = json.loads(body)
        assert seen["path"] == "/media/projects/evidence.pdf"  # to the portal's views, not read from disk by nginx
        assert seen["headers"]["x-forwarded-proto"] == "https"  # the client's value replaced
        assert seen["headers"]["x-forwarded-for"] == "6.6.6.6, 127.0.0.1"  # the last one is what nginx saw
        assert seen["headers"]["host"] == "portal.example.org"

        reached = len(_Backend.seen)
        too_large = (settings.PORTAL_MAX_UPLOAD_MB + 1) * 1024 * 1024
        status, _ = request("POST", "/projects/", {"Content-Length": str(too_large)})
        assert status == 413 and len(_Backend.seen) == reached  # refused before the portal saw it

        plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        plain.request("GET", "/projects/", headers={"Host": "portal.example.org"})
        redirect = plain.getresponse()
        assert redirect.status == 301 and redirect.getheader("Location") == "https://portal.example.org/projects/"
        plain.close()
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        backend.shutdown()


def test_portal_manage_is_valid_bash_and_runs_manage_py_as_the_units_do():
    script = DEPLOY / "portal-manage"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    text = script.read_text()
    web = parse_unit(DEPLOY / "systemd" / "selec-portal-web.service")
    assert f"INSTALL={INSTALL}" in text and "--uid=selec-portal" in text
    for env_file in values(web, "Service", "EnvironmentFile"):
        assert f"EnvironmentFile={env_file}" in text
    assert '"$INSTALL/.venv/bin/python" "$INSTALL/manage.py" "$@"' in text
