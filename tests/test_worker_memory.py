"""What a worker holds: libraries one page uses load with that page, and large blocks go back to the system."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Each used by a few pages or commands only: the migration tool, the imaging library and its HEIC plugin, the
# spreadsheet, QR-code and calendar libraries.
ON_FIRST_USE = ("alembic", "flask_migrate", "PIL", "pillow_heif", "openpyxl", "segno", "icalendar")


def run(probe: str, **env) -> str:
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
                          env={**os.environ, **env})
    return done.stdout.strip().splitlines()[-1]


def test_a_worker_serving_pages_has_not_imported_what_one_page_uses():
    # The server's entry point: its objects frozen out of the collector's sight, then pages served.
    probe = ("import gc, sys; from app import app; assert gc.get_freeze_count() > 10_000; client = app.test_client(); "
             "assert [client.get(p).status_code for p in ('/healthz', '/login')] == [200, 200]; "
             f"print(sorted(m for m in {ON_FIRST_USE!r} if m in sys.modules))")
    assert run(probe, DATABASE_URL="sqlite://", SECRET_KEY="x") == "[]"


def test_the_migration_commands_load_when_they_run(app):
    # Alembic prints to the stdout of the moment it was first imported (another test's, in a shared worker): its
    # own output is not read here, click's is.
    result = app.test_cli_runner().invoke(args=["db", "heads"])
    assert result.exit_code == 0, result.output
    assert "--directory" in app.test_cli_runner().invoke(args=["db", "--help"]).output
    assert "--sql" in app.test_cli_runner().invoke(args=["db", "upgrade", "--help"]).output


def test_a_freed_large_block_goes_back_to_the_system():
    # Two password checks' worth of scrypt: without the fixed threshold glibc keeps the second 16 MiB in its heap.
    probe = ("import hashlib, re, runpy; assert runpy.run_path('portal/allocator.py')['return_large_blocks'](); "
             "rss = lambda: int(re.search(r'RssAnon:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) // 1024; "
             "check = lambda: hashlib.scrypt(b'password', salt=b'salt', n=16384, r=8, p=1, maxmem=64 << 20); "
             "check(); before = rss(); check(); check(); print(rss() - before)")
    assert int(run(probe)) < 4
