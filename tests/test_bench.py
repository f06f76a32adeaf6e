"""The benchmark itself, on tiny data and one-second runs, so that `make bench` cannot rot (two connections,
one per wrk thread: the suite runs beside it, and more would take both cores from it)."""
import shutil

from bench import memory
from bench.run import PAGES, main

from .conftest import require


def test_bench_runs_every_page_against_the_floor(tmp_path):
    require(shutil.which("wrk") is not None, "wrk not found (apt-get install wrk)")
    # wrk runs the floors; each page gets a few plain requests, which is what a smoke run needs to know.
    [result] = main(["--tiny", "--seconds", "1", "--connections", "2", "--requests", "4", "--db", "sqlite",
                     "--scale", "district", "--out", str(tmp_path)])
    table = result.read_text()
    assert result.parent == tmp_path and result.name.endswith("-sqlite.md")
    assert 'bare Flask "hello"' in table and "`/healthz`" in table and "Worker memory" in table and "proportional" in table
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| page")]
    assert [row.split(" | ")[0][2:] for row in rows] == [
        page.label + (f" ({page.connections} connections)" if page.connections else "") for page in PAGES]
    for row in rows:
        rps, p50, p99, bare, share = (cell.strip() for cell in row.split("|")[2:7])
        assert bare.endswith("%") and share.endswith("%") and (p50 == p99 == "—" or float(p99) >= float(p50) > 0)


def test_memory_script_reads_the_workers_peak_and_share():
    peak, pss = memory.main(["--tiny", "--rounds", "2"])
    assert 0 < pss <= peak
