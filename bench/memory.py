"""`python -m bench.memory`: a gunicorn worker's memory after serving the busy pages at district scale.

It fills a throwaway SQLite file (or, with `--db postgresql`, a throwaway PostgreSQL cluster) with `bench.generate`
(600 deputies unless told otherwise), serves it
with gunicorn's sync workers as `make bench` does, requests every page of `bench.run.PAGES` a few
dozen times as staff or as a deputy, then logs in a few times more (a password check, the largest block a worker
allocates, on top of all it holds by then), and prints the largest worker's peak resident size (VmHWM) and
proportional set size (PSS), and the pages after which that peak rose most. The issue's target is at most 120 MB
per worker.
"""
import argparse
import sys
import tempfile
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import DEPUTY_USERNAME, STAFF_USERNAME, TINY, Scale  # noqa: E402
from bench.run import MARK_STATUSES, PAGES, WORKERS, gunicorn, login, prepare, resolve, worker_memory_mb  # noqa: E402
from tests.pgcluster import create_database, throwaway_postgres  # noqa: E402

TARGET_MB = 120


def load(base: str, url: str, generated, rounds: int, master: int) -> list[tuple[str, float]]:
    """Request every page `rounds` times, cycling the mark through the roster and two statuses; return the largest
    worker's peak resident size after the logins and after each page."""
    logins = {"staff": login(base, STAFF_USERNAME), "deputy": login(base, DEPUTY_USERNAME)}
    peaks = [("two logins", worker_memory_mb(master)[0])]
    for page in PAGES:
        cookie, csrf = logins[page.user]
        headers = {"Cookie": cookie, "X-CSRFToken": csrf, **({"HX-Request": "true"} if page.htmx else {})}
        paths = resolve(page, generated, url)
        for n in range(rounds):
            data = MARK_STATUSES[n % 2].encode() if page.marks else None
            request = urllib.request.Request(base + paths[n % len(paths)], data=data, headers=headers, method=page.method)
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
        peaks.append((page.label, worker_memory_mb(master)[0]))
    return peaks


@contextmanager
def database(kind: str):
    """The URL of a throwaway database of that kind, removed afterwards."""
    if kind == "postgresql":
        with throwaway_postgres() as server:
            yield create_database(server, "memory")
    else:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/memory.db"


def main(argv: list[str] | None = None) -> tuple[float, float]:
    """Generate, serve, load; print and return the largest worker's VmHWM and PSS in MB."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deputies", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=30, help="requests per page")
    parser.add_argument("--tiny", action="store_true", help="a street of 30 deputies (the suite's check)")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args(argv)
    with database(args.db) as url:
        generated, _ = prepare(url, TINY if args.tiny else Scale(deputies=args.deputies))
        with gunicorn(url, WORKERS) as (base, master):
            idle = worker_memory_mb(master)
            peaks = load(base, url, generated, args.rounds, master)
            pages = worker_memory_mb(master)
            for _ in range(2 * WORKERS):  # each worker most likely checks a password after its pages
                login(base, STAFF_USERNAME)
            peak, pss = worker_memory_mb(master)
    print(f"after start: VmHWM {idle[0]:.1f} MB, PSS {idle[1]:.1f} MB")
    rises = [(after - before, label) for (_, before), (label, after) in zip([("start", idle[0]), *peaks], peaks)]
    print("the peak rose most with: " + ", ".join(f"{label} +{rise:.1f} MB" for rise, label in sorted(rises, reverse=True)[:3]))
    print(f"after {args.rounds} requests per page: VmHWM {pages[0]:.1f} MB, PSS {pages[1]:.1f} MB")
    print(f"and a password checked after them: VmHWM {peak:.1f} MB, PSS {pss:.1f} MB (target {TARGET_MB} MB)")
    return peak, pss


if __name__ == "__main__":
    main()
