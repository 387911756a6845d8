"""The one seam through which services queue background work: after commit, by task name, never waiting on Redis.

A request must never wait on the broker or the result backend. Three things keep it so:

- tasks are sent with `ignore_result=True`: Celery's Redis result backend otherwise subscribes to the task's result
  channel before publishing, and with Redis gone that subscription retries for about 20 s (once per task);
- a failed publish opens a short circuit (`BROKER_DOWN_SECONDS`): later sends of this process in that window give up
  at once instead of each waiting for their own connection attempts (a bulk approval of many items);
- one send per task and arguments per transaction (a CSV of many rows of one commitment queues one projection).

What is not sent is not lost: every caller leaves a durable marker in PostgreSQL (a commitment's stale flag, a
delivery row, a queued import job) that a periodic sweep picks up once the broker is back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import connection, transaction

logger = logging.getLogger(__name__)

_circuit = {"open_until": 0.0}


def broker_marked_down() -> bool:
    """True while a recent publish failed and the circuit is open."""
    return time.monotonic() < _circuit["open_until"]


def _mark_down() -> None:
    _circuit["open_until"] = time.monotonic() + float(getattr(settings, "BROKER_DOWN_SECONDS", 10))


def _reset() -> None:
    """Close the circuit (tests, and after a successful publish)."""
    _circuit["open_until"] = 0.0


def send_now(task_name: str, args: Sequence[Any] = ()) -> str | None:
    """Publish one task at once; returns its id, or None when the broker is (or was just seen) unreachable."""
    call = f"{task_name.rsplit('.', 1)[-1]}({', '.join(map(str, args))})"
    if broker_marked_down():
        logger.warning("broker marked down: could not queue %s; left for the sweep", call)
        return None
    try:
        result = current_app.send_task(task_name, args=list(args), ignore_result=True, retry=True)
    except Exception:  # any broker error: the durable marker stays for the sweep
        _mark_down()
        logger.warning("could not queue %s; left for the sweep", call, exc_info=True)
        return None
    _reset()
    return result.id


def _already_pending(key: tuple[str, tuple[Any, ...]]) -> bool:
    """An identical send is already registered to run when the current transaction commits."""
    return any(getattr(func, "enqueue_key", None) == key for _sids, func, _robust in connection.run_on_commit)


def enqueue(task_name: str, *args: Any, on_sent: Callable[[str], None] | None = None) -> None:
    """Queue `task_name(*args)` once the current transaction commits (at once outside one); at most once per commit."""
    key = (task_name, tuple(args))
    if connection.in_atomic_block and on_sent is None and _already_pending(key):
        return

    def send() -> None:
        task_id = send_now(task_name, args)
        if task_id is not None and on_sent is not None:
            on_sent(task_id)

    send.enqueue_key = key  # type: ignore[attr-defined]
    transaction.on_commit(send)
