"""The Celery application; tasks are discovered in installed apps, settings prefixed CELERY_.

Tasks and beat run as the system: outside the tenancy scope (commitments/models/scoping.py) with scopes disabled,
entered here once for every task rather than in each one.
"""

import os
from contextlib import AbstractContextManager
from typing import Any

from celery import Celery
from celery.signals import beat_init, task_postrun, task_prerun
from django_scopes import scopes_disabled

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jlis_commitments.settings")

app = Celery("jlis_commitments")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The system scope of each running task, by task id: entered before the task and left after its failure, retry
# and success handlers (task_postrun comes after them), in the thread that runs it.
_system_scopes: dict[str, AbstractContextManager[None]] = {}
_beat_scope: list[AbstractContextManager[None]] = []


@task_prerun.connect
def _task_runs_as_system(task_id: str, **kwargs: Any) -> None:
    """A task acts for every organization it is given ids of: no tenancy scope, as for a command."""
    system = scopes_disabled()
    system.__enter__()
    _system_scopes[task_id] = system


@task_postrun.connect
def _task_done(task_id: str, **kwargs: Any) -> None:
    system = _system_scopes.pop(task_id, None)
    if system is not None:
        system.__exit__(None, None, None)


@beat_init.connect
def _beat_runs_as_system(**kwargs: Any) -> None:
    """Beat's thread (its scheduler reads only its own tables) runs as the system for its whole life."""
    system = scopes_disabled()
    system.__enter__()
    _beat_scope.append(system)  # kept referenced: a collected generator would leave the scope
