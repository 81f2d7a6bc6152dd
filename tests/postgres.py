"""A throwaway PostgreSQL server for the storage tests, started by the tests themselves.

``postgres_url`` (session scope) finds the server binaries (``$PG_BINDIR`` if set, else
``pg_config --bindir``, else ``/usr/lib/postgresql/*/bin``), runs ``initdb`` into a temporary
directory, starts the server with ``pg_ctl`` on a free localhost port (its unix socket in that
directory too), creates a database and yields its SQLAlchemy URL (``postgresql+psycopg://...``);
at the end of the session the server is stopped (``pg_ctl stop -m fast``) and the directory
removed. As root, ``initdb`` and the server run as the ``postgres`` user (PostgreSQL refuses to
run as root).

Without the binaries the tests that need the server are skipped, except under CI
(``CI=true``), where ``.ci/run`` installs them and their absence is a failure.

Import the fixture into a test module with ``from postgres import postgres_url  # noqa: F401``.
Pytest makes one fixture per module that imports it; they share one server, started once.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

__all__ = ["PostgresServer", "find_bindir", "postgres_url"]

_DATABASE = "draftorders_test"


def find_bindir() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``, or None: ``$PG_BINDIR`` if set (and
    only it), else ``pg_config --bindir``, the newest ``/usr/lib/postgresql/*/bin``, the PATH."""
    candidates: list[str] = []
    if "PG_BINDIR" in os.environ:
        candidates.append(os.environ["PG_BINDIR"])
        return _first_with_binaries(candidates)
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            )
            candidates.append(done.stdout.strip())
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates.extend(sorted(versions, key=_major, reverse=True))
    on_path = shutil.which("initdb")
    if on_path is not None:
        candidates.append(str(Path(on_path).parent))
    return _first_with_binaries(candidates)


def _major(bindir: str) -> int:
    """The major version of ``/usr/lib/postgresql/<major>/bin`` (-1 if it is not a number)."""
    name = Path(bindir).parent.name
    return int(name) if name.isdigit() else -1


def _first_with_binaries(candidates: list[str]) -> Path | None:
    for candidate in candidates:
        if candidate and all((Path(candidate) / name).exists() for name in ("initdb", "pg_ctl")):
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PostgresServer:
    """One PostgreSQL cluster in a temporary directory, owned by the ``postgres`` user when the
    tests run as root."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="draftorders-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.started_in = 0.0
        """Seconds from initdb to a server accepting connections."""
        self._as_root = os.geteuid() == 0
        if self._as_root:
            user = pwd.getpwnam("postgres")  # KeyError: no such user (the package creates it)
            os.chown(self.root, user.pw_uid, user.pw_gid)

    def _command(self, args: list[str]) -> list[str]:
        """``args`` as the ``postgres`` user when running as root (runuser, else su)."""
        if not self._as_root:
            return args
        runuser = shutil.which("runuser")
        if runuser is not None:
            return [runuser, "-u", "postgres", "--", *args]
        return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(args)]

    def _run(self, *args: str) -> None:
        done = subprocess.run(self._command(list(args)), capture_output=True, text=True, timeout=60)
        if done.returncode:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr}\n{tail}")

    def start(self) -> None:
        """initdb, then start the server and wait until it accepts connections."""
        began = time.monotonic()
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        for attempt in range(3):  # the free port may be taken meanwhile: try another
            try:
                self._launch()
                break
            except RuntimeError:
                if attempt == 2:
                    raise
                self.port = _free_port()
        self.started_in = time.monotonic() - began

    def _launch(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        """Stop the server (fast: active connections are ended) and remove its directory."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "stop", "-m", "fast")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` on this server (psycopg 3 driver)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create database ``name`` and return its URL."""
        with psycopg.connect(self._admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name``, ending the connections still open to it."""
        with psycopg.connect(self._admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @contextlib.contextmanager
    def fresh_database(self, prefix: str) -> Iterator[str]:
        """A new, empty database named ``prefix_<random>``, dropped when the block ends."""
        name = f"{prefix}_{uuid.uuid4().hex[:16]}"
        url = self.create_database(name)
        try:
            yield url
        finally:
            self.drop_database(name)

    @property
    def _admin(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"


_server: PostgresServer | None = None
_users = 0


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of an empty database on a PostgreSQL server started for this test session."""
    global _server, _users
    if _server is None:
        bindir = find_bindir()
        if bindir is None:
            reason = (
                "PostgreSQL server binaries (initdb, pg_ctl) not found; install the Debian "
                "package 'postgresql' (.ci/run does)"
            )
            if os.environ.get("CI") == "true":
                pytest.fail(f"CI needs the PostgreSQL tests: {reason}")
            pytest.skip(reason)
        server = PostgresServer(bindir)
        try:
            server.start()
            server.create_database(_DATABASE)
        except BaseException:
            server.stop()
            raise
        _server = server
    _users += 1
    try:
        yield _server.url(_DATABASE)
    finally:
        _users -= 1
        if _users == 0 and _server is not None:
            _server.stop()
            _server = None


def server() -> PostgresServer:
    """The running server (inside a test that uses ``postgres_url``)."""
    assert _server is not None, "use the postgres_url fixture first"
    return _server
