"""The Celery application; tasks are discovered in installed apps, settings prefixed CELERY_.

Tasks and beat run as the system: outside the tenancy scope (commitments/models/scoping.py) with scopes disabled,
entered here once for every task rather than in each one.
"""

import os
import threading
from contextlib import AbstractContextManager
from typing import Any

from celery import Celery
from celery.signals import beat_init, task_postrun, task_prerun
from django_scopes import scopes_disabled

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jlis_commitments.settings")

app = Celery("jlis_commitments")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The system scopes of the tasks running in each thread, innermost last: task_prerun enters one and task_postrun
# (sent after the task's failure, retry and success handlers, in the same thread) leaves the innermost. Kept per
# thread and as a stack, not by task id: a retry carries its task's id and may start in the worker's timer thread
# before the first run has finished, and an eager task runs inside another.
_system_scopes = threading.local()
_beat_scope: list[AbstractContextManager[None]] = []


@task_prerun.connect
def _task_runs_as_system(**kwargs: Any) -> None:
    """A task acts for every organization it is given ids of: no tenancy scope, as for a command."""
    system = scopes_disabled()
    system.__enter__()
    stack = getattr(_system_scopes, "stack", None)
    if stack is None:
        stack = _system_scopes.stack = []
    stack.append(system)


@task_postrun.connect
def _task_done(**kwargs: Any) -> None:
    stack = getattr(_system_scopes, "stack", None)
    if stack:
        stack.pop().__exit__(None, None, None)


@beat_init.connect
def _beat_runs_as_system(**kwargs: Any) -> None:
    """Beat's thread (its scheduler reads only its own tables) runs as the system for its whole life."""
    system = scopes_disabled()
    system.__enter__()
    _beat_scope.append(system)  # kept referenced: a collected generator would leave the scope
