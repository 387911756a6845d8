"""Fault-injection helpers: own PostgreSQL and Redis per test session, worker and web subprocesses that can be killed.

The servers here are not the session's (root conftest.py): stopping them disturbs no other test.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
import pytest
from celery import Celery

from devtools.servers import EmbeddedPostgres, EmbeddedRedis, free_port, port_is_free, wait_for_port
from tests.support.polling import wait_for

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
SECRET = "fault-injection-secret-key-" + "y" * 40


@dataclass
class Proc:
    """A subprocess in its own process group, its output in a log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (prefork children, gunicorn workers) and reap the leader."""
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)

    def group_gone(self) -> bool:
        try:
            os.killpg(self.popen.pid, 0)
        except ProcessLookupError:
            return True
        return False


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str


class Browser:
    """A minimal HTTP client with a cookie jar and Django's CSRF token; redirects are not followed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict[str, Any] | None = None, timeout: float = 30) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if method == "POST":
            data = {**(data or {}), "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            text = raw.read().decode("utf-8", errors="replace")
        finally:
            conn.close()
        for header in raw.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, text)

    def get(self, path: str, timeout: float = 30) -> Response:
        return self.request("GET", path, timeout=timeout)

    def upload(
        self, path: str, data: dict[str, str], files: dict[str, tuple[str, bytes]], timeout: float = 30
    ) -> Response:
        """POST a multipart form with files (name -> (file name, bytes)), as a browser submits an upload."""
        boundary = "----fault-test-boundary-7d3a"
        fields = {**data, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        parts: list[bytes] = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (file_name, content) in files.items():
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{file_name}"\r\n'
            parts.append((head + "Content-Type: application/octet-stream\r\n\r\n").encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        }
        try:
            conn.request("POST", path, body=body, headers=headers)
            raw = conn.getresponse()
            text = raw.read().decode("utf-8", errors="replace")
        finally:
            conn.close()
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, text)

    def post(self, path: str, data: dict[str, Any], timeout: float = 30) -> Response:
        return self.request("POST", path, data, timeout=timeout)

    def login(self, path: str, username: str, password: str) -> None:
        """Log in through a Django login form; fails unless it redirects."""
        assert self.get(path).status == 200
        response = self.post(path, {"username": username, "password": password})
        assert response.status == 302, response.text[:2000]


@dataclass
class FaultStack:
    """Own PostgreSQL and Redis on 127.0.0.1, a migrated template database, and every process started on them."""

    tmp: Path
    pg: EmbeddedPostgres
    redis: EmbeddedRedis
    procs: list[Proc] = field(default_factory=list)
    publishers: list[Celery] = field(default_factory=list)

    @classmethod
    def start(cls) -> FaultStack:
        tmp = Path(tempfile.mkdtemp(prefix="jlis-faults-"))
        os.chmod(tmp, 0o755)
        pg = EmbeddedPostgres(tmp / "pg", free_port(), fsync=False)
        stack = cls(tmp, pg, EmbeddedRedis(tmp / "redis", free_port(), persist=False))
        try:
            stack.pg.start()
            stack.redis.start()
            stack.manage(stack.env(), "migrate", "-v0", timeout=300)
        except BaseException:
            stack.stop()
            raise
        return stack

    # --- databases ---------------------------------------------------------------------------------------------
    def url(self, db: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.pg.port}/{db}"

    def new_database(self, name: str) -> str:
        """A fresh copy of the migrated database (CREATE DATABASE … TEMPLATE): tests do not see each other's rows."""
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.pg.dbname}"')
        return name

    def sql(self, db: str, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        """Run one statement in its own autocommit connection and return its rows."""
        with psycopg.connect(self.url(db), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def pg_up(self) -> bool:
        return not port_is_free(self.pg.port)

    # --- processes ---------------------------------------------------------------------------------------------
    def env(self, db: str | None = None, **extra: str) -> dict[str, str]:
        """The environment of every subprocess: this stack's servers, production-like settings."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))}
        env.update(
            DATABASE_URL=self.url(db or self.pg.dbname),
            REDIS_URL=self.redis.url,
            DJANGO_SECRET_KEY=SECRET,
            DJANGO_DEBUG="0",
            SITE_URL="http://testserver",
            EMAIL_URL=f"file://{self.tmp / 'mail'}",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def manage(self, env: dict[str, str], *args: str, timeout: float = 120) -> str:
        """Run manage.py with `env`; fail with its output unless it exits 0."""
        done = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def shell(self, env: dict[str, str], code: str, timeout: float = 120) -> Any:
        """Run Python in `manage.py shell` and return the JSON it prints on its last line."""
        out = self.manage(env, "shell", "-c", code, timeout=timeout)
        return json.loads(out.strip().splitlines()[-1])

    def spawn(self, name: str, args: list[str], env: dict[str, str]) -> Proc:
        log = self.tmp / f"{name}-{len(self.procs)}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        proc = Proc(name, popen, log)
        self.procs.append(proc)
        return proc

    def worker(self, env: dict[str, str], name: str, pool: str = "solo", ready: bool = True) -> Proc:
        """A real Celery worker subprocess (its own process group: SIGKILL takes its children too)."""
        args = [PYTHON, "-m", "celery", "-A", "jlis_commitments", "worker", "-P", pool, "-c", "1", "-n", f"{name}@%h"]
        args += ["-l", "INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"]
        proc = self.spawn(name, args, env)
        if ready:
            self.wait_ready(proc)
        return proc

    def wait_ready(self, proc: Proc, timeout: float = 60) -> None:
        def ready() -> bool:
            assert proc.alive(), f"{proc.name} exited:\n{proc.text()[-3000:]}"
            return " ready." in proc.text()

        wait_for(ready, timeout=timeout, interval=0.1, what=f"{proc.name} ready")

    def web(self, env: dict[str, str]) -> tuple[Proc, int]:
        """The web application under gunicorn (one sync worker), as in production."""
        port = free_port()
        args = [PYTHON, "-m", "gunicorn", "jlis_commitments.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"]
        proc = self.spawn("web", [*args, "--timeout", "120", "--graceful-timeout", "2"], env)

        def listening() -> bool:
            assert proc.alive(), f"web exited:\n{proc.text()[-3000:]}"
            return not port_is_free(port)

        wait_for(listening, timeout=60, interval=0.1, what="gunicorn listening")
        wait_for_port(port)
        return proc, port

    def publisher(self, visibility_timeout: int = 3600) -> Celery:
        """A Celery client of this stack's Redis (sends by task name, reads results)."""
        app = Celery("faults", broker=self.redis.url, backend=self.redis.url, set_as_current=False)
        app.conf.update(
            broker_transport_options={"visibility_timeout": visibility_timeout},
            task_serializer="json",
            accept_content=["json"],
            result_serializer="json",
            broker_connection_retry_on_startup=True,
        )
        self.publishers.append(app)
        return app

    def reset(self) -> None:
        """Between tests: stop their processes, empty Redis."""
        for proc in reversed(self.procs):
            if proc.alive() or not proc.group_gone():
                proc.kill()
        self.procs.clear()
        for app in self.publishers:
            app.close()
        self.publishers.clear()
        if port_is_free(self.redis.port):
            self.redis.start()
        if not self.pg_up():
            self.pg.start()
        import redis

        redis.Redis.from_url(self.redis.url).flushall()

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.kill()
        self.procs.clear()
        for app in self.publishers:
            app.close()
        self.redis.stop()
        self.pg.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


_stack: FaultStack | None = None
_users = 0


@pytest.fixture(scope="session")
def fault_stack() -> Iterator[FaultStack]:
    """One own PostgreSQL + Redis for every fault module of the session (started once, stopped after the last)."""
    global _stack, _users
    if _stack is None:
        _stack = FaultStack.start()
    _users += 1
    try:
        yield _stack
    finally:
        _users -= 1
        if _users == 0:
            _stack.stop()
            _stack = None


@pytest.fixture
def stack(fault_stack: FaultStack) -> Iterator[FaultStack]:
    """The shared stack, with the processes a test started stopped (and servers back up) even when it fails."""
    fault_stack.reset()
    try:
        yield fault_stack
    finally:
        fault_stack.reset()


# Every projection row in (commitment, year) order: one fingerprint of the whole table, without ids and times.
CHECKSUM = """
SELECT count(*), md5(string_agg(concat_ws(',', commitment_id, fiscal_year, organization_id, segment_id, planned_yen,
                                          paid_yen, contracted_yen, uncontracted_yen), ';'
                                ORDER BY commitment_id, fiscal_year))
  FROM commitments_projectionyear
"""
DUPLICATES = "SELECT count(*) FROM (SELECT 1 FROM commitments_projectionyear GROUP BY commitment_id, fiscal_year"
DUPLICATES += " HAVING count(*) > 1) AS d"
# Data made through the services in a subprocess against one database: an organization, its users, commitments.
SETUP_ORG = """
import json
from tests.support.factories import make_org, make_commitment
from commitments.services import approval
o = make_org({name!r})
ids = []
for i in range({count}):
    c = make_commitment(o, approve=False, matter=f"障害試験の事項{{i + 1}}", limit_yen=12_000_000, last_burden_fy=2019)
    approval.commitment_submit(actor=o.officer2, commitment=c)
    ids.append(c.pk)
print(json.dumps({{"organization": o.organization.pk, "submitted": ids}}))
"""
