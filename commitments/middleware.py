"""A database outage answers with a plain 503 page (retry later), never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Turn a lost or refused database connection into 503 with Retry-After; other errors pass through."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("database unavailable for %s: %s", request.path, type(exception).__name__)
        body = render_to_string("503.html")  # no request context: it would touch the session (the database)
        response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
        response["Retry-After"] = "30"
        return response
