"""The session's one embedded Celery worker: whether it runs, and whether it is idle.

Celery's embedded worker keeps its stop flag in the process-wide `celery.worker.state`; two worker threads in one
process stop each other's shutdown (the first to stop resets the flag before the second sees it, and the second
never exits). So there is exactly one, the `celery_worker` session fixture of tests/conftest.py.
"""

from __future__ import annotations

import threading

RUNNING = threading.Event()


def worker_idle() -> bool:
    """No task waiting in the broker and none being run by this process's worker."""
    import redis
    from celery.worker import state
    from django.conf import settings

    queued = redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("celery")
    return queued == 0 and not state.active_requests and not state.reserved_requests
