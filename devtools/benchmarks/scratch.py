"""A throw-away database on the configured PostgreSQL server, so a benchmark never touches real data."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connections

_NOT_LIBPQ = ("cursor_factory", "context")


def _maintenance(sql: str, alias: str = "default") -> None:
    """Run one statement (CREATE/DROP DATABASE) on the server's `postgres` maintenance database."""
    params: dict[str, Any] = {
        key: value for key, value in connections[alias].get_connection_params().items() if key not in _NOT_LIBPQ
    }
    params["dbname"] = "postgres"
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _point_at(name: str, alias: str) -> None:
    """Make every connection of `alias` (this thread's and any opened later) use database `name`."""
    connections.close_all()
    settings.DATABASES[alias]["NAME"] = name
    connections.settings[alias]["NAME"] = name
    connections[alias].settings_dict["NAME"] = name


@contextmanager
def scratch_database(*, keep: bool = False, alias: str = "default") -> Iterator[str]:
    """CREATE DATABASE bench_<random>, migrate it and point `alias` at it; drop it afterwards unless `keep`."""
    original = connections[alias].settings_dict["NAME"]
    name = f"bench_{secrets.token_hex(4)}"
    connections.close_all()
    _maintenance(f'CREATE DATABASE "{name}"', alias)
    try:
        _point_at(name, alias)
        call_command("migrate", verbosity=0, interactive=False)
        yield name
    finally:
        _point_at(original, alias)
        if not keep:
            # FORCE ends sessions still open on it (a worker thread's connection).
            _maintenance(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', alias)
