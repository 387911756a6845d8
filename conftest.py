"""Test session set-up: start an embedded PostgreSQL and Redis on 127.0.0.1 before Django loads settings.

DATABASE_URL / REDIS_URL already in the environment win (to run the suite against system servers).
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

_started: list[object] = []
_tmp_root: Path | None = None


def _sigterm_to_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt("SIGTERM")


def pytest_configure(config: pytest.Config) -> None:
    """Start the servers once per session (the xdist controller only) and point Django at them."""
    signal.signal(signal.SIGTERM, _sigterm_to_interrupt)
    os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-" + "x" * 40)
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("JLIS_DEVTOOLS", "1")  # bench and generate_commitments (not installed in production)
    os.environ.setdefault("SITE_URL", "http://testserver")
    os.environ["DJANGO_SETTINGS_MODULE"] = "jlis_commitments.settings"
    if not hasattr(config, "workerinput"):
        _start_servers()
    import django

    django.setup()
    from django.conf import settings

    # Demo users are created in many tests: a fast hasher keeps set-up quick (never in production settings).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _start_servers() -> None:
    global _tmp_root
    from devtools.servers import EmbeddedPostgres, EmbeddedRedis, free_port

    _tmp_root = Path(tempfile.mkdtemp(prefix="jlis-test-"))
    os.chmod(_tmp_root, 0o755)
    if not os.environ.get("DATABASE_URL"):
        pg = EmbeddedPostgres(_tmp_root / "pg", free_port(), fsync=False)
        pg.start()
        _started.append(pg)
        os.environ["DATABASE_URL"] = pg.url
    if not os.environ.get("REDIS_URL"):
        redis = EmbeddedRedis(_tmp_root / "redis", free_port(), persist=False)
        redis.start()
        _started.append(redis)
        os.environ["REDIS_URL"] = redis.url


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop what pytest_configure started and remove its folder."""
    for server in reversed(_started):
        server.stop()  # type: ignore[attr-defined]
    _started.clear()
    if _tmp_root is not None:
        shutil.rmtree(_tmp_root, ignore_errors=True)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say which servers the session talks to."""
    return [f"database: {os.environ.get('DATABASE_URL')}", f"broker: {os.environ.get('REDIS_URL')}"]


@pytest.fixture(scope="session", autouse=True)
def _scopes_disabled() -> Iterator[None]:
    """The tests' own ORM calls (set-up, assertions) run as the system, as commands do.

    Only this thread: requests through the test client enter their user's scope in the middleware (over this),
    and the live server's and the worker's threads start with no scope, as in production.
    """
    from django_scopes import scopes_disabled

    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language: a request through LocaleMiddleware leaves its language active
    in the thread, which would otherwise carry over into the next test."""
    from django.utils import translation

    from commitments.services import enqueue

    translation.deactivate()
    yield
    translation.deactivate()
    enqueue._reset()  # a test that made the broker unreachable leaves no open circuit to the next one
