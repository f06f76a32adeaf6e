"""`python -m bench.word_report [deputies]`: the Word report's CPU time and memory at district scale, in-process.

It fills a throwaway SQLite database with `bench.generate` (600 deputies unless told otherwise) and
downloads this year's work report as staff through the test client: the CPU milliseconds of one
download with the figures cached and with the figures cache emptied first, the size of the file and
what gzip would still take off it; then it serves the same database with gunicorn as `make bench` does and
prints the largest worker's peak resident size (VmHWM) and PSS after 20 downloads (the target is 120 MB).

Every download writes its audit event: where that write empties the figures cache, "figures as the cache
holds them" is as cold as "cache emptied first".
"""
import gc
import gzip
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import DISTRICT, STAFF_USERNAME, Scale, session_id  # noqa: E402
from bench.run import WORKERS, app_for, gunicorn, login, prepare, worker_memory_mb  # noqa: E402
from portal import figures_cache  # noqa: E402

PATH = "/reports/work-report.docx"
ROUNDS = 10
DOWNLOADS = 20
TARGET_MS = 250
TARGET_MB = 120


def cpu_ms(action, rounds: int = ROUNDS) -> float:
    """The mean CPU time of `action` in milliseconds over `rounds` calls."""
    started = time.process_time()
    for _ in range(rounds):
        action()
    return (time.process_time() - started) * 1000 / rounds


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Generate, download, print and return the numbers."""
    argv = sys.argv[1:] if argv is None else argv
    deputies = int(argv[0]) if argv else DISTRICT.deputies
    with tempfile.TemporaryDirectory(prefix="portal-word-") as folder:
        url = f"sqlite:///{folder}/word.db"
        generated, _version = prepare(url, DISTRICT if deputies == DISTRICT.deputies else Scale(deputies=deputies))
        app = app_for(url)
        gc.freeze()  # as the server's entry point (app.py) does once the app is built
        with app.app_context():
            staff = session_id(generated.staff_id)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = staff
            session["_fresh"] = True

        def download():
            answer = client.get(PATH, headers={"Accept-Encoding": "gzip"})
            assert answer.status_code == 200, answer.status_code
            return answer

        first = download()  # imports and compiles what the first report needs
        body = first.data
        results = {
            "cached figures ms": cpu_ms(download),
            "empty cache ms": cpu_ms(lambda: (figures_cache._entries.clear(), download())),
            "bytes": len(body),
            "gzip bytes": len(gzip.compress(body, 6)),
            "content-encoding": first.headers.get("Content-Encoding") or "none",
        }
        with gunicorn(url, WORKERS) as (base, master):
            cookie, _csrf = login(base, STAFF_USERNAME)
            results["idle MB"] = worker_memory_mb(master)[0]
            for _ in range(DOWNLOADS):
                request = urllib.request.Request(base + PATH, headers={"Cookie": cookie, "Accept-Encoding": "gzip"})
                with urllib.request.urlopen(request, timeout=120) as response:
                    response.read()
            results["peak MB"], results["pss MB"] = worker_memory_mb(master)
    print(f"work report at {deputies} deputies, mean CPU of one download over {ROUNDS}, in-process:")
    print(f"  figures as the cache holds them: {results['cached figures ms']:.0f} ms; cache emptied first: {results['empty cache ms']:.0f} ms"
          f" (target {TARGET_MS} ms)")
    print(f"  {results['bytes']:,} bytes, {results['gzip bytes']:,} gzipped again; Content-Encoding: {results['content-encoding']}")
    print(f"  gunicorn worker after start: VmHWM {results['idle MB']:.0f} MB; after {DOWNLOADS} downloads: "
          f"VmHWM {results['peak MB']:.0f} MB, PSS {results['pss MB']:.0f} MB (target {TARGET_MB} MB)")
    return results


if __name__ == "__main__":
    main()
