"""Concurrent writers on real threads: meet inside the services' transactions, then see which one the locks let by."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django_scopes import scopes_disabled


def meet_inside(monkeypatch: pytest.MonkeyPatch, module: Any, parties: int = 2) -> threading.Barrier:
    """Make every caller of `module.require` (inside the service's transaction) wait until all have arrived."""
    barrier = threading.Barrier(parties, timeout=10)
    original = module.require

    def require_then_meet(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        barrier.wait()

    monkeypatch.setattr(module, "require", require_then_meet)
    return barrier


def race(*calls: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run the calls on their own threads at once; each thread closes its DB connection. Returns (kind, value)."""
    results: list[tuple[str, Any]] = [("missing", None)] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            with scopes_disabled():  # a new thread starts with no scope: run as the tests' own thread does
                results[index] = ("ok", call())
        except Exception as exc:  # reported to the test, which checks the kind
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a racing thread hung"
    return results
