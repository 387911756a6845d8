"""GET /healthz: is the tracker able to work? For the run command, load balancers and operators; no secrets."""

from __future__ import annotations

import time
from typing import Any

from django.db import connection
from django.db.models import Max
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_scopes import scopes_disabled

from commitments.models import ProjectionSnapshot


def _database() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    except Exception as exc:  # reported, never raised: this page must answer while parts are down
        return {"ok": False, "error": type(exc).__name__}


def _broker() -> dict[str, Any]:
    from jlis_commitments.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}


def _workers() -> dict[str, Any]:
    from jlis_commitments.celery import app

    try:
        replies = app.control.ping(timeout=0.5)
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": bool(replies), "count": len(replies)}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker, workers and the time of the last nightly projection; 503 unless database and broker answer."""
    database = _database()
    broker = _broker()
    last_run = None
    if database["ok"]:
        with scopes_disabled():  # the system's last run, over every organization; no row is shown
            last_run = ProjectionSnapshot.objects.aggregate(t=Max("computed_at"))["t"]
    body = {
        "database": database,
        "broker": broker,
        "workers": _workers() if broker["ok"] else {"ok": False},
        "last_project_all": last_run.isoformat() if last_run else None,
    }
    body["ok"] = database["ok"] and broker["ok"]
    return JsonResponse(body, status=200 if body["ok"] else 503)
