"""A throwaway PostgreSQL cluster from Debian's binaries on a free port (the suite's and the benchmark's)."""
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_bindir() -> str | None:
    """The newest installed PostgreSQL server's bin directory, or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return os.path.dirname(candidates[0]) if candidates else None


@contextmanager
def throwaway_postgres(*settings: str):
    """Start a cluster with fsync off (plus `settings`, as `-c name=value`); yield its base URL (no database name)."""
    bindir = pg_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    datadir = tempfile.mkdtemp(prefix="portal-pg-")
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(datadir, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run(
        [*prefix, f"{bindir}/initdb", "-D", datadir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    options += "".join(f" -c {setting}" for setting in settings)
    subprocess.run(
        [*prefix, f"{bindir}/pg_ctl", "-D", datadir, "-o", options, "-l", f"{datadir}/log", "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*prefix, f"{bindir}/pg_ctl", "-D", datadir, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(datadir, ignore_errors=True)


def _admin(server_url: str):
    import psycopg

    return psycopg.connect(server_url.replace("postgresql+psycopg", "postgresql") + "/postgres", autocommit=True)


def create_database(server_url: str, name: str, template: str | None = None) -> str:
    """A new database on the cluster, empty or a copy of `template`; returns its URL."""
    with _admin(server_url) as conn:
        # Copying the template's files beats writing them through the WAL (15's default) for databases this small.
        strategy = " STRATEGY FILE_COPY" if template and conn.info.server_version >= 150000 else ""
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"{strategy}' if template else ""))
    return f"{server_url}/{name}"


def drop_database(server_url: str, name: str) -> None:
    """Drop a database of the cluster, closing whatever is still connected to it."""
    with _admin(server_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
