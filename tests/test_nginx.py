"""The nginx site in deploy/ works as written: `nginx -t` accepts it, and in front of gunicorn it
redirects to HTTPS, passes pages through compressed, and serves static files gzipped with a year's
cache and the security headers. Run on free ports as an ordinary user: only the ports, the
certificate, the upstream and the static folder are rewritten."""
import gzip
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import free_port, require

# One worker builds this module's fixtures (a server, a street) once: under `-n`, all its tests run there.
pytestmark = pytest.mark.xdist_group("test_nginx")

ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
UNVERIFIED = ssl._create_unverified_context()  # the test's own self-signed certificate


def _site(tmp: Path, http: int, https: int, upstream: int) -> str:
    """deploy/nginx-portal.conf with test ports, certificate, upstream and static folder."""
    site = (ROOT / "deploy" / "nginx-portal.conf").read_text()
    replacements = [
        (r"listen \[::\]:\d+[^;]*;\n", ""),
        (r"listen 80;", f"listen 127.0.0.1:{http};"),
        (r"listen 443 ssl", f"listen 127.0.0.1:{https} ssl"),
        (r"server 127\.0\.0\.1:8000", f"server 127.0.0.1:{upstream}"),
        (r"/etc/ssl/certs/portal\.crt", str(tmp / "portal.crt")),
        (r"/etc/ssl/private/portal\.key", str(tmp / "portal.key")),
        (r"/srv/portal/static/", f"{ROOT}/static/"),
    ]
    for pattern, replacement in replacements:
        site, count = re.subn(pattern, replacement, site)
        assert count, f"deploy/nginx-portal.conf no longer has {pattern!r}"
    return site


def _main_config(tmp: Path) -> str:
    """A minimal nginx.conf around the site, every path inside the test's folder."""
    temp = "\n".join(f"    {kind}_temp_path {tmp}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""daemon off;
pid {tmp}/nginx.pid;
error_log stderr warn;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log off;
{temp}
    include {tmp}/site.conf;
}}
"""


def _wait_for(url: str, process: subprocess.Popen, context=None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{process.args[0]} stopped: {process.stdout.read()}")
        try:
            urllib.request.urlopen(url, timeout=2, context=context).read()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer")


@pytest.fixture(scope="module")
def nginx(tmp_path_factory):
    """gunicorn on a migrated SQLite file behind the deploy/ nginx site; yields (http, https) base URLs."""
    require(os.path.exists(NGINX), "nginx not found (apt-get install nginx-light)")
    require(shutil.which("openssl") is not None, "openssl not found")
    tmp = tmp_path_factory.mktemp("nginx")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(tmp / "portal.key"), "-out", str(tmp / "portal.crt")],
        check=True, capture_output=True,
    )
    upstream, http, https = free_port(), free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_URL", "RATELIMIT", "WEB_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp}/portal.db", SECRET_KEY="nginx-test", PORT=str(upstream),
               HOST="127.0.0.1", TRUSTED_PROXIES="1")
    subprocess.run([str(Path(sys.executable).parent / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    (tmp / "site.conf").write_text(_site(tmp, http, https, upstream))
    (tmp / "nginx.conf").write_text(_main_config(tmp))
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / kind).mkdir()
    command = [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", "stderr"]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    servers = [
        subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "app:app"],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True),
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True),
    ]
    try:
        _wait_for(f"http://127.0.0.1:{upstream}/healthz", servers[0])
        _wait_for(f"https://127.0.0.1:{https}/healthz", servers[1], UNVERIFIED)
        yield f"http://127.0.0.1:{http}", f"https://127.0.0.1:{https}"
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def _get(url: str, **headers: str):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", **headers})
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=UNVERIFIED), _NoRedirect())
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_plain_http_is_sent_to_https(nginx):
    http, _https = nginx
    status, headers, _body = _get(http + "/login")
    assert status == 301 and headers["Location"].startswith("https://")


def test_pages_come_through_compressed_and_uncached(nginx):
    _http, https = nginx
    status, headers, body = _get(https + "/login")
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "csrf_token" in gzip.decompress(body).decode()
    assert headers["Cache-Control"] == "no-store"
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_static_files_are_gzipped_and_cached_for_a_year(nginx):
    _http, https = nginx
    _status, _headers, page = _get(https + "/login")
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js)\?v=[^"]+)"', gzip.decompress(page).decode())
    assert assets
    for asset in assets:
        status, headers, body = _get(https + asset)
        assert status == 200, asset
        assert headers["Content-Encoding"] == "gzip", asset
        assert gzip.decompress(body) == (ROOT / asset.split("?")[0].lstrip("/")).read_bytes()
        assert "max-age=31536000" in headers.get_all("Cache-Control")[0]
        assert "immutable" in ", ".join(headers.get_all("Cache-Control"))
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "max-age=31536000" in headers["Strict-Transport-Security"]
