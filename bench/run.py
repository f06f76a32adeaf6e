"""`make bench`: the busiest pages at district scale and over ten years, served by gunicorn, loaded by wrk,
against two floors.

For each database (SQLite, then PostgreSQL on a throwaway cluster) and scale (a district's year, then ten
years of its meetings) it migrates an empty database, fills it with `bench.generate`, serves it with
gunicorn (sync workers) and loads each page from wrk (a separate process, `bench/load.lua` carrying the
session cookie and the CSRF header). Every page run is framed by runs of two floors on the same machine: a
bare Flask "hello" (`bench/bare.py`, the same gunicorn) and the portal's `/healthz`; a page's share of each
is its req/s over the mean of the two runs around it. Pages marked "figures not cached" are served by a
second server with the figures cache off, so that every request computes its figures as after a write.
SQL queries per request and the answer sizes (raw and gzip) are read in-process on the same database. On
PostgreSQL a last run measures writers: marks and opinion creates from 8 workers, each alone and both at
once, with the backends waiting on a lock sampled meanwhile. The table goes to
bench/results/<date>-<db>[-history].md and to stdout.
"""
import argparse
import gc
import gzip
import http.cookiejar
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402

from bench.generate import (  # noqa: E402
    DEPUTY_USERNAME, DISTRICT, HISTORY, PASSWORD, STAFF_USERNAME, TINY, TINY_HISTORY, Generated, generate, session_id,
)
from portal import create_app, figures_cache  # noqa: E402
from portal.extensions import db  # noqa: E402
from tests.pgcluster import create_database, free_port, pg_bindir, throwaway_postgres  # noqa: E402

WRK = shutil.which("wrk") or "/usr/bin/wrk"
SECRET_KEY = "bench-secret-key"
FLOOR = "/healthz"
BARE = "/"  # of bench/bare.py
WORKERS = 2
WRITER_WORKERS = 8  # PostgreSQL's writers measured with this many sync workers
CPU_ROUNDS = 10  # in-process requests timed per page


@dataclass(frozen=True)
class Page:
    """One measured page: who asks, how, and its target as a share of the floor."""

    label: str
    user: str  # "staff" or "deputy"
    path: str
    target: float  # minimum share of the floor's req/s
    method: str = "GET"
    htmx: bool = False
    p99_ms: float | None = None  # maximum 99th percentile latency, where the issue sets one
    marks: bool = False  # POST a mark, cycling through the roster and two statuses
    status: int = 200  # the answer every request must get (204: a poll with nothing new)
    repeat: bool = False  # the mark repeats each marked deputy's current status (present)
    cold: bool = False  # served with the figures cache off: every request computes its figures
    connections: int | None = None  # at most this many (a slow page would time out behind 32)


PAGES = [
    Page("attendance screen", "staff", "/meetings/{meeting}/attendance", 0.0),
    # {version} is the board's version when the run starts: the poll finds nothing new, as an idle tablet's does.
    Page("attendance poll, unchanged", "staff", "/meetings/{meeting}/attendance/changes?since={version}", 0.30,
         htmx=True, p99_ms=100, status=204),
    # One version behind: the answer carries the one card marked last and the tally.
    Page("attendance poll, one change", "staff", "/meetings/{meeting}/attendance/changes?since={previous}", 0.10,
         htmx=True, p99_ms=100),
    Page("htmx mark, status changes", "staff", "/meetings/{meeting}/attendance/{deputy}", 0.20, "POST", True, 100, marks=True),
    Page("htmx mark, same status again", "staff", "/meetings/{meeting}/attendance/{deputy}", 0.10, "POST", True, marks=True,
         repeat=True),
    Page("overview /staff", "staff", "/staff", 0.10),
    Page("overview /staff, figures not cached", "staff", "/staff", 0.0, cold=True, connections=8),
    Page("四个一 matrix", "staff", "/campaigns/matrix", 0.03),
    Page("attendance rates", "staff", "/meetings/rates", 0.03),
    Page("adoption figures", "staff", "/suggestions/figures", 0.03),
    Page("opinion search (htmx)", "staff", "/opinions/?q=" + urllib.parse.quote("老人"), 0.0, htmx=True),
    Page("deputy home /me", "deputy", "/me", 0.10),
    Page("status wall /wall", "staff", "/wall", 0.0),
    Page("a deputy's record 履职档案", "staff", "/reports/deputies/{deputy}", 0.0),
    Page("duty points table 履职积分, figures not cached", "staff", "/points/", 0.0, cold=True, connections=8),
    Page("work report (Word)", "staff", "/reports/work-report.docx", 0.0, connections=4),
]
# Ten years of meetings: the figures that read them, as after a write (not cached), and the overview cached.
HISTORY_PAGES = [
    Page("overview /staff", "staff", "/staff", 0.10),
    Page("overview /staff, figures not cached", "staff", "/staff", 0.0, cold=True, connections=8),
    Page("attendance rates, figures not cached", "staff", "/meetings/rates", 0.0, cold=True, connections=8),
    Page("status wall /wall, figures not cached", "staff", "/wall", 0.0, cold=True, connections=8),
    Page("a deputy's record 履职档案, figures not cached", "staff", "/reports/deputies/{deputy}", 0.0, cold=True, connections=8),
    Page("adoption figures, figures not cached", "staff", "/suggestions/figures", 0.0, cold=True, connections=8),
]
MARK_STATUSES = ("status=present", "status=late")
REPEAT_STATUS = "status=present"


@dataclass
class Run:
    """What wrk measured for one page (or the floor) in one run."""

    rps: float
    p50_ms: float
    p99_ms: float


@dataclass
class Row:
    """One line of the table."""

    page: Page
    run: Run
    floor: float
    bare: float
    queries: str
    raw: int
    gzipped: int | None
    cpu_ms: float

    @property
    def share(self) -> float:
        return self.run.rps / self.floor if self.floor else 0.0

    @property
    def bare_share(self) -> float:
        return self.run.rps / self.bare if self.bare else 0.0

    @property
    def met(self) -> bool:
        return self.share >= self.page.target and (self.page.p99_ms is None or self.run.p99_ms <= self.page.p99_ms)

    @property
    def latencies(self) -> str:
        """p50 and p99 cells ("—" when no request finished within the run)."""
        if self.run.rps == 0:
            return "— | —"
        return f"{self.run.p50_ms:.1f} | {self.run.p99_ms:.1f}"


@dataclass
class Report:
    """A whole run on one database."""

    database: str
    scale: str
    rows: list[Row] = field(default_factory=list)
    floors: list[Run] = field(default_factory=list)
    bares: list[Run] = field(default_factory=list)
    writers: "Writers | None" = None
    worker_rss_mb: float = 0.0
    worker_pss_mb: float = 0.0
    floor_cpu_ms: float = 0.0
    server_version: str = ""
    settings: str = ""


def app_for(url: str):
    """The portal on `url`, configured as the server is (CSRF off for the in-process counts only)."""
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "WTF_CSRF_ENABLED": False})


def prepare(url: str, scale) -> tuple[Generated, str]:
    """Migrate and fill the database; return the generated ids and the server's version."""
    app = app_for(url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        generated = generate(scale)
        if db.engine.dialect.name == "postgresql":  # autovacuum would within a minute of such a load
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            version = "PostgreSQL " + db.session.execute(db.text("SHOW server_version")).scalar().split()[0]
        else:
            version = "SQLite " + db.session.execute(db.text("select sqlite_version()")).scalar()
        db.session.remove()
        db.engine.dispose()
    return generated, version


def resolve(page: Page, generated: Generated, url: str) -> list[str]:
    """The concrete paths a page cycles through (one, or the roster for the mark), as the board is now.

    For the repeated mark, every marked deputy of the running meeting is first marked present, and only
    they are asked: each request repeats the current status."""
    if page.repeat:
        deputies = mark_everyone_present(url, generated.meeting_id)
        return [page.path.format(meeting=generated.meeting_id, deputy=d) for d in deputies]
    if page.marks:
        return [page.path.format(meeting=generated.meeting_id, deputy=d) for d in generated.deputy_ids]
    version = board_version(url, generated.meeting_id)
    return [page.path.format(meeting=generated.meeting_id, version=version, previous=version - 1,
                             deputy=generated.deputy_id)]


def mark_everyone_present(url: str, meeting_id: int) -> list[int]:
    """Set every mark of the meeting to present (straight in the table); the marked deputies' ids."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("update attendance set status = 'present', reason = '' where meeting_id = :id"),
                               {"id": meeting_id})
            return list(connection.scalars(text("select deputy_id from attendance where meeting_id = :id order by deputy_id"),
                                           {"id": meeting_id}))
    finally:
        engine.dispose()


def board_version(url: str, meeting_id: int) -> int:
    """The running meeting's board version, read afresh (earlier marks have raised it)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(text("select board_version from meetings where id = :id"), {"id": meeting_id})
    finally:
        engine.dispose()


def count_and_size(url: str, generated: Generated, pages: list[Page],
                   rounds: int = CPU_ROUNDS) -> dict[str, tuple[str, int, int | None, float]]:
    """Per page: SQL statements of a first and a second request (figures cached), the raw and gzip bytes,
    and the CPU time of one request in-process (the server's share of the work, whatever else runs), the mean of
    `rounds` requests."""
    app = app_for(url)
    gc.freeze()  # as the server's entry point does (app.py): the app's own objects out of the collector's sight
    results = {}
    with app.app_context():  # only to reach the engine: each request must bring its own context (and `g`)
        engine = db.engine
        sessions = {"staff": session_id(generated.staff_id), "deputy": session_id(generated.deputy_id)}
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(1))
    for page in pages:
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = sessions[page.user]
            session["_fresh"] = True
        path = resolve(page, generated, url)[0]
        headers = {"HX-Request": "true"} if page.htmx else {}
        # a changing mark alternates two statuses; a repeated one (and every other POST) sends present
        bodies = [{"status": body.split("=")[1]} for body in (MARK_STATUSES if page.marks and not page.repeat else [REPEAT_STATUS])]
        data = bodies[0] if page.marks else None
        if page.cold:
            figures_cache._entries.clear()
        statements.clear()
        client.open(path, method=page.method, data=data, headers=headers)
        cold = len(statements)
        if page.cold:
            figures_cache._entries.clear()
        else:
            data = bodies[-1] if page.marks else None
        statements.clear()
        plain = client.open(path, method=page.method, data=data, headers=headers)
        assert plain.status_code == page.status, (page.label, plain.status_code)
        queries = f"{cold} / {len(statements)}"
        packed = client.open(path, method=page.method, data=data, headers={**headers, "Accept-Encoding": "gzip"})
        gzipped = len(packed.data) if packed.headers.get("Content-Encoding") == "gzip" else None
        raw = len(gzip.decompress(packed.data)) if gzipped else len(plain.data)
        spent = 0.0
        for round_ in range(rounds):
            if page.cold:
                figures_cache._entries.clear()
            data = bodies[round_ % len(bodies)] if page.marks else None
            started = time.process_time()
            client.open(path, method=page.method, data=data, headers={**headers, "Accept-Encoding": "gzip"})
            spent += time.process_time() - started
        cpu_ms = spent * 1000 / rounds
        results[page.label] = (queries, raw, gzipped, cpu_ms)
    client = app.test_client()
    client.get(FLOOR)
    started = time.process_time()
    for _ in range(rounds * 10):
        client.get(FLOOR)
    results[FLOOR] = (time.process_time() - started) * 1000 / (rounds * 10)
    engine.dispose()
    return results


@contextmanager
def gunicorn(url: str, workers: int, application: str = "app:app", probe: str = FLOOR, **env):
    """Serve the portal (or `application`) with gunicorn's sync workers on a free port; yield (base URL, master pid)."""
    port = free_port()
    # Two workers with the login limits in each worker's memory are refused (portal/auth/throttle.py); the bench
    # logs in twice and measures pages, so it switches the limits off rather than needing a shared store.
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": "false", **env}
    command = [
        str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers), "--worker-class", "sync",
        "--bind", f"127.0.0.1:{port}", "--no-control-socket", "--log-level", "warning", application,
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + probe, timeout=2).read()
                break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError("gunicorn exited") from None
                time.sleep(0.1)
        else:
            raise RuntimeError(f"gunicorn did not answer {probe}")
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def login(base: str, username: str) -> tuple[str, str]:
    """Log in through the form as a browser does; return the Cookie header and the page's CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
    home = opener.open(base + "/login", data=data).read().decode()
    csrf = re.search(r'"X-CSRFToken": "([^"]+)"', home)
    if not csrf:
        raise RuntimeError(f"login as {username} failed")
    return "; ".join(f"{c.name}={c.value}" for c in jar), csrf.group(1)


def warm(base: str, page: Page, path: str, cookie: str, csrf: str) -> None:
    """A few requests before measuring, so every worker has compiled the page's templates."""
    headers = {"Cookie": cookie, "X-CSRFToken": csrf, **({"HX-Request": "true"} if page.htmx else {})}
    data = (REPEAT_STATUS if page.repeat else MARK_STATUSES[0]).encode() if page.marks else None
    for _ in range(2 * WORKERS):
        request = urllib.request.Request(base + path, data=data, headers=headers, method=page.method)
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()


def wrk(base: str, paths: list[str], seconds: float, connections: int, method: str = "GET", bodies=(),
        cookie: str = "", csrf: str = "", htmx: bool = False, status: int = 200, probe: str = FLOOR) -> Run:
    """One wrk run from a separate process; fails on any non-2xx answer or socket error."""
    env = {
        **os.environ, "BENCH_METHOD": method, "BENCH_PATHS": " ".join(paths), "BENCH_BODIES": " ".join(bodies),
        "BENCH_COOKIE": cookie, "BENCH_CSRF": csrf, "BENCH_HTMX": "1" if htmx else "",
        "BENCH_STATUS": str(status),
    }
    command = [WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(ROOT / "bench" / "load.lua"), base]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    return _wrk_result(base, paths, done.returncode, done.stdout, done.stderr, probe)


def sample(base: str, page: Page, paths: list[str], bodies, cookie: str, csrf: str, requests: int) -> Run:
    """The smoke run's stand-in for wrk on a page: a few requests one after another, each checked as wrk checks
    them (the page answers with its status), timed only to fill the row (the suite checks that pages run, not speed)."""
    headers = {"Cookie": cookie, "X-CSRFToken": csrf, "Accept-Encoding": "gzip", **({"HX-Request": "true"} if page.htmx else {})}
    latencies = []
    for n in range(requests):
        body = bodies[n % len(bodies)].encode() if bodies else None
        request = urllib.request.Request(base + paths[n % len(paths)], data=body, headers=headers, method=page.method)
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
            if response.status != page.status:
                raise RuntimeError(f"{page.label}: {response.status} instead of {page.status}")
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    return Run(1000 * requests / sum(latencies), latencies[len(latencies) // 2], latencies[-1])


def _wrk_result(base: str, paths: list[str], returncode: int, stdout: str, stderr: str, probe: str = FLOOR) -> Run:
    if returncode:
        raise RuntimeError(f"wrk failed: {stderr or stdout}")
    result = json.loads(stdout.strip().splitlines()[-1])
    if result["status_errors"] or result["socket_errors"] or result["unexpected"]:
        raise RuntimeError(f"wrk {paths[0]}: {result}")
    settle(base, probe)
    if not result["requests"]:  # not one answer within the run: no latency to report
        return Run(0.0, float("nan"), float("nan"))
    return Run(result["requests"] / (result["duration_us"] / 1e6), result["p50_us"] / 1000, result["p99_us"] / 1000)


def settle(base: str, probe: str = FLOOR) -> None:
    """Wait until the workers have answered the requests wrk left queued (sync workers serve them all)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        started = time.monotonic()
        urllib.request.urlopen(base + probe, timeout=120).read()
        if time.monotonic() - started < 0.05:
            return


def worker_memory_mb(master: int) -> tuple[float, float]:
    """The largest peak resident size (VmHWM) and proportional set size (PSS) among the workers, in MB.

    Resident counts every page a worker maps, shared ones too; PSS shares those among their users.
    """
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    peaks, shares = [0.0], [0.0]
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        shares.append(int(re.search(r"Pss:\s+(\d+) kB", rollup).group(1)) / 1024)
    return max(peaks), max(shares)


def measure(url: str, database: str, scale, seconds: float, connections: int, history: bool,
            interleave: bool = True, requests: int = 0) -> Report:
    """Fill one database and run every page against the two floors (and, on PostgreSQL, the writers).

    The floors run before the first page and, with `interleave`, after every page, each page's share taken
    against the floors either side of it; the suite's smoke run measures them once, which is all it checks.
    With `requests`, each page gets that many requests one after another instead of a wrk run (the smoke run).
    """
    pages = HISTORY_PAGES if history else PAGES
    generated, version = prepare(url, scale)
    sizes = count_and_size(url, generated, pages, rounds=1 if requests else CPU_ROUNDS)  # the smoke run: one round
    floor_cpu_ms = sizes.pop(FLOOR)
    workers = 1 if requests else WORKERS  # the smoke run sends one request at a time: one worker a server serves it
    report = Report(database, "history (ten years)" if history else "district", server_version=version,
                    settings=f"gunicorn {workers} sync workers, wrk 2 threads, {connections} connections "
                             f"(fewer where the row says), " + (f"{requests} requests one after another per page"
                                                                   if requests else f"{seconds} s per run"))
    with gunicorn(url, workers) as (base, master), gunicorn(url, workers, FIGURES_CACHE="0") as (cold, _cold), \
            gunicorn(url, workers, "bench.bare:app", BARE) as (bare, _bare):
        users = {"staff": login(base, STAFF_USERNAME), "deputy": login(base, DEPUTY_USERNAME)}
        cold_users = {"staff": login(cold, STAFF_USERNAME), "deputy": login(cold, DEPUTY_USERNAME)}

        def floors() -> None:
            report.bares.append(wrk(bare, [BARE], seconds, connections, probe=BARE))
            report.floors.append(wrk(base, [FLOOR], seconds, connections))

        floors()
        for page in pages:
            server, (cookie, csrf) = (cold, cold_users[page.user]) if page.cold else (base, users[page.user])
            paths = resolve(page, generated, url)
            warm(server, page, paths[0], cookie, csrf)
            bodies = ((REPEAT_STATUS,) if page.repeat else MARK_STATUSES) if page.marks else ()
            if requests:
                run = sample(server, page, paths, bodies, cookie, csrf, requests)
            else:
                run = wrk(server, paths, seconds, min(connections, page.connections or connections), page.method, bodies,
                          cookie, csrf, page.htmx, page.status)
            if interleave:
                floors()
            mean = lambda runs: sum(run.rps for run in runs[-2:]) / len(runs[-2:])  # noqa: E731
            report.rows.append(Row(page, run, mean(report.floors), mean(report.bares), *sizes[page.label]))
        report.floor_cpu_ms = floor_cpu_ms
        report.worker_rss_mb, report.worker_pss_mb = worker_memory_mb(master)
    if database == "postgresql" and not history:
        report.writers = writers(url, generated, seconds, connections)
    return report


@dataclass
class Writers:
    """Marks and opinion creates from WRITER_WORKERS workers: each stream alone and both at once."""

    marks: Run
    opinions: Run
    marks_mixed: Run
    opinions_mixed: Run
    waiting_alone: float  # backends waiting on a lock, on average over the separate runs
    waiting_mixed: float

    @property
    def share(self) -> float:
        """The mixed run's work as a share of the separate runs' (1.0: each stream kept its share of the machine)."""
        return self.marks_mixed.rps / self.marks.rps + self.opinions_mixed.rps / self.opinions.rps


def writers(url: str, generated: Generated, seconds: float, connections: int) -> Writers:
    """PostgreSQL: marks and unrelated opinion creates, alone and together, with lock waits sampled."""
    engine = create_engine(url)
    with engine.connect() as connection:
        category = connection.scalar(text("select min(id) from categories"))
        community = connection.scalar(text("select community_id from deputy_profiles where user_id = :id"),
                                      {"id": generated.deputy_id})
    opinion = urllib.parse.urlencode({
        "content": "居民希望增设公交站点", "community": community, "category": category, "deputy": generated.deputy_id,
        "collected_on": date.today().isoformat(), "method": "visit", "voter_count": 3,
    })
    marks = [f"/meetings/{generated.meeting_id}/attendance/{d}" for d in generated.deputy_ids]
    with gunicorn(url, WRITER_WORKERS) as (base, _master):
        cookie, csrf = login(base, STAFF_USERNAME)
        streams = {
            "marks": dict(paths=marks, method="POST", bodies=MARK_STATUSES, htmx=True, status=200),
            "opinions": dict(paths=["/opinions/new"], method="POST", bodies=(opinion,), status=302),
        }

        def start(name: str) -> subprocess.Popen:
            stream = streams[name]
            env = {
                **os.environ, "BENCH_METHOD": stream["method"], "BENCH_PATHS": " ".join(stream["paths"]),
                "BENCH_BODIES": " ".join(stream["bodies"]), "BENCH_COOKIE": cookie, "BENCH_CSRF": csrf,
                "BENCH_HTMX": "1" if stream.get("htmx") else "", "BENCH_STATUS": str(stream["status"]),
            }
            command = [WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                       "-s", str(ROOT / "bench" / "load.lua"), base]
            return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def run(*names: str) -> tuple[list[Run], float]:
            processes = {name: start(name) for name in names}
            samples = []
            with engine.connect() as watcher:
                while any(process.poll() is None for process in processes.values()):
                    samples.append(watcher.scalar(text(
                        "select count(*) from pg_stat_activity where wait_event_type = 'Lock'")))
                    watcher.rollback()
                    time.sleep(0.05)
            runs = []
            for name, process in processes.items():
                stdout, stderr = process.communicate()
                runs.append(_wrk_result(base, streams[name]["paths"], process.returncode, stdout, stderr))
            return runs, sum(samples) / max(len(samples), 1)

        [marks_alone], waiting_marks = run("marks")
        [opinions_alone], waiting_opinions = run("opinions")
        (marks_mixed, opinions_mixed), waiting_mixed = run("marks", "opinions")
    engine.dispose()
    return Writers(marks_alone, opinions_alone, marks_mixed, opinions_mixed,
                   (waiting_marks + waiting_opinions) / 2, waiting_mixed)


def versions() -> str:
    """The software measured, in one line."""
    names = ["Flask", "SQLAlchemy", "gunicorn", "psycopg", "Flask-Compress"]
    parts = [f"Python {platform.python_version()}"]
    for name in names:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    wrk_version = subprocess.run([WRK, "-v"], capture_output=True, text=True).stdout.split()
    parts.append(" ".join(wrk_version[:2]) if wrk_version else "wrk")
    return ", ".join(parts)


def machine() -> str:
    """CPU model and count, memory, kernel."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024 // 1024
    return f"{os.cpu_count()} × {cpu}, {memory} GiB, Linux {platform.release()}"


def table(report: Report) -> str:
    """The report as Markdown."""
    floor = [run.rps for run in report.floors]
    bare = [run.rps for run in report.bares]
    lines = [
        f"# Benchmark {date.today().isoformat()}: {report.database} ({report.server_version}), {report.scale} scale",
        "",
        f"- Machine: {machine()}",
        f"- Software: {versions()}",
        f"- Load: {report.settings}; pages as a staff member (the deputy home as a deputy), `Accept-Encoding: gzip`",
        f"- Floors, {len(floor)} runs each{', interleaved with the pages' if len(floor) > 1 else ''}: bare Flask \"hello\" {min(bare):,.0f}–{max(bare):,.0f} "
        f"req/s; `{FLOOR}` {min(floor):,.0f}–{max(floor):,.0f} req/s ({sum(floor) / sum(bare):.0%} of bare); "
        f"`{FLOOR}` costs {report.floor_cpu_ms:.2f} ms CPU a request in-process (the pages' CPU column is compared with it)",
        f"- Worker memory, largest worker: {report.worker_rss_mb:.0f} MB peak resident, {report.worker_pss_mb:.0f} MB "
        "proportional (its share of pages shared with the others); target ≤ 120 MB",
        "",
        "| page | req/s | p50 ms | p99 ms | share of bare | share of /healthz | target (of /healthz) "
        "| CPU ms in-process (/healthz ÷ page) | SQL queries first / again | bytes raw | bytes gzip |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for row in report.rows:
        target = f"≥ {row.page.target:.0%}" if row.page.target else "—"
        if row.page.p99_ms:
            target += f", p99 ≤ {row.page.p99_ms:.0f} ms"
        verdict = ("met" if row.met else "**missed**") if row.page.target or row.page.p99_ms else ""
        gzipped = f"{row.gzipped:,}" if row.gzipped is not None else "not compressed"
        label = row.page.label + (f" ({row.page.connections} connections)" if row.page.connections else "")
        lines.append(
            f"| {label} | {row.run.rps:,.1f} | {row.latencies} | {row.bare_share:.1%} | {row.share:.1%} "
            f"| {target} {verdict} | {row.cpu_ms:.1f} ({report.floor_cpu_ms / row.cpu_ms:.1%}) | {row.queries} "
            f"| {row.raw:,} | {gzipped} |"
        )
    if report.writers:
        w = report.writers
        lines += [
            "",
            f"Writers, {WRITER_WORKERS} sync workers (the same wrk load per stream):",
            "",
            "| stream | alone req/s | both at once req/s | share kept |",
            "|---|---:|---:|---:|",
            f"| htmx mark (status changes) | {w.marks.rps:,.1f} | {w.marks_mixed.rps:,.1f} | {w.marks_mixed.rps / w.marks.rps:.0%} |",
            f"| opinion create | {w.opinions.rps:,.1f} | {w.opinions_mixed.rps:,.1f} | {w.opinions_mixed.rps / w.opinions.rps:.0%} |",
            "",
            f"Both at once did {w.share:.0%} of the separate runs' work (the two shares added: 100 % when each stream "
            f"keeps its part of the machine; target ≥ 80 % {'met' if w.share >= 0.8 else '**missed**'}). Backends "
            f"waiting on a lock, sampled every 50 ms: {w.waiting_alone:.2f} on average alone, {w.waiting_mixed:.2f} both at once.",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> list[Path]:
    """Run the benchmark; returns the result files written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both (comma-separated)")
    parser.add_argument("--scale", default="district,history", help="district, history (ten years) or both")
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--tiny", action="store_true", help="the tiny data set (the suite's smoke run)")
    parser.add_argument("--requests", type=int, default=0,
                        help="instead of a wrk run per page, this many requests one after another (the suite's smoke run)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for database in args.db.split(","):
        for scale_name in args.scale.split(","):
            history = scale_name == "history"
            if scale_name not in ("district", "history"):
                raise SystemExit(f"unknown scale {scale_name!r}")
            scale = (TINY_HISTORY if history else TINY) if args.tiny else (HISTORY if history else DISTRICT)
            if database == "sqlite":
                with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
                    report = measure(f"sqlite:///{tmp}/bench.db", database, scale, args.seconds, args.connections, history,
                                     interleave=not args.tiny, requests=args.requests)
            elif database == "postgresql":
                if pg_bindir() is None:
                    raise SystemExit("PostgreSQL server binaries not found (apt-get install postgresql)")
                with throwaway_postgres("max_connections=100") as server:
                    report = measure(create_database(server, "bench"), database, scale, args.seconds, args.connections,
                                     history, interleave=not args.tiny, requests=args.requests)
            else:
                raise SystemExit(f"unknown database {database!r}")
            text = table(report)
            print(text)
            path = out / f"{date.today().isoformat()}-{database}{'-history' if history else ''}.md"
            path.write_text(text)
            written.append(path)
    return written


if __name__ == "__main__":
    main()
