"""`make run` serves the portal with gunicorn: it migrates, seeds, answers and logs in, and the
login limits hold exactly as configured (one process by default, several with Redis)."""
import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from .conftest import free_port, require

# One worker builds this module's fixtures (a server, a street) once: under `-n`, all its tests run there.
pytestmark = pytest.mark.xdist_group("test_server")

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 120  # seconds for install checks, migrations and the demo seed on a busy machine


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie-keeping HTTP client that shows redirects instead of following them."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def login(self, username: str, password: str) -> tuple[int, dict, str]:
        _status, _headers, page = self.request("/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        return self.request("/login", {"csrf_token": token, "username": username, "password": password})


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """One instance folder for the module: the first server seeds it, the next finds it seeded."""
    return tmp_path_factory.mktemp("instance")


def _environment(instance: Path, port: int, **extra: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_URL", "RATELIMIT", "WEB_", "LOGIN_FAILURES"))}
    env.update(PORTAL_INSTANCE_PATH=str(instance), PORT=str(port), HOST="127.0.0.1", **extra)
    return env


def _serve(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        ["make", "--no-print-directory", "run"], cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _wait_until_up(server: subprocess.Popen, base: str) -> None:
    import time

    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail("the server stopped:\n" + server.stdout.read())
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail("the server did not answer /healthz in time")


def _stop(server: subprocess.Popen) -> str:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        output, _ = server.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        output, _ = server.communicate()
    return output


def _failed_logins_until_refused(browser: Browser, tries: int) -> list[int]:
    return [browser.login("admin", "wrong-password")[0] for _ in range(tries)]


def test_make_run_serves_with_gunicorn_and_logs_in(instance):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(_environment(instance, port, LOGIN_FAILURES_PER_PAIR="3 per 5 minutes"))
    try:
        _wait_until_up(server, base)
        browser = Browser(base)
        assert browser.request("/readyz")[0] == 200
        status, headers, _ = browser.login("admin", "demo1234")
        assert status == 302 and headers["Location"].endswith("/admin/settings")  # a fresh demo asks for the committee name first
        status, _, page = browser.request("/admin/")
        assert status == 200 and "系统管理" in page
        # One process with threads by default: exactly three failures are counted, the fourth is refused.
        assert _failed_logins_until_refused(Browser(base), 5) == [200, 200, 200, 429, 429]
    finally:
        output = _stop(server)
    assert "Booting worker" in output and "gthread" in output


def test_several_workers_share_the_limits_through_redis(instance):
    redis_server = shutil.which("redis-server")
    require(redis_server is not None, "redis-server not found (apt-get install redis-server)")
    redis_port, port = free_port(), free_port()
    redis = subprocess.Popen(
        [redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    env = _environment(
        instance, port, WEB_WORKERS="3", RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{redis_port}/0",
        LOGIN_FAILURES_PER_PAIR="4 per 5 minutes",
    )
    server = _serve(env)
    try:
        _wait_until_up(server, base)
        # Fresh connections spread over the three workers; the count is shared all the same.
        assert _failed_logins_until_refused(Browser(base), 7) == [200, 200, 200, 200, 429, 429, 429]
        assert Browser(base).login("admin", "demo1234")[0] == 429  # the account stays locked on every worker
        assert Browser(base).login("staff1", "demo1234")[0] == 302
    finally:
        output = _stop(server)
        redis.terminate()
        redis.wait(timeout=30)
    assert output.count("Booting worker") >= 3


def test_several_workers_without_a_shared_store_are_refused(tmp_path):
    env = _environment(tmp_path, free_port(), WEB_WORKERS="3")
    result = subprocess.run(
        [str(ROOT / ".venv/bin/gunicorn"), "--config", "deploy/gunicorn.conf.py", "--check-config", "app:app"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "RATELIMIT_STORAGE_URI" in result.stdout + result.stderr


@pytest.mark.parametrize("command", [["-w", "2"], ["--workers=2"]], ids=["w", "workers"])
def test_several_workers_without_the_projects_config_are_refused_by_the_app(tmp_path, command):
    env = _environment(tmp_path, free_port())
    result = subprocess.run([str(ROOT / ".venv/bin/gunicorn"), *command, "--check-config", "app:app"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "RATELIMIT_STORAGE_URI" in result.stdout + result.stderr
    env["GUNICORN_CMD_ARGS"] = "--workers=2"
    env["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:1/0"
    shared = subprocess.run([str(ROOT / ".venv/bin/gunicorn"), "--check-config", "app:app"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert shared.returncode == 0, shared.stdout + shared.stderr
