"""Request middleware: the tenancy scope of each request, and a plain 503 page (retry later) for a database outage."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.template.loader import render_to_string

from commitments.models.scoping import organization_scope

logger = logging.getLogger(__name__)


class OrganizationScopeMiddleware:
    """Run the whole request inside the tenancy scope of its user (models.scoping): organization-owned models then
    return only that user's organizations' rows (all of them for superusers), even through a queryset that forgot
    `for_user`; an anonymous request (the login page) gets the empty scope and sees no organization's rows.

    Placed after AuthenticationMiddleware. A streamed download (the CSV) is read after this returns: each of its
    chunks is made inside the same scope again.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            user: Any = request.user
            user.is_superuser  # noqa: B018 (loads the session and the user here, where a lost database is caught)
        except (OperationalError, InterfaceError):
            # The database is down: the view meets the same error and DatabaseUnavailableMiddleware answers 503;
            # meanwhile nothing is visible, as for nobody.
            user = None
        with organization_scope(user):
            response = self.get_response(request)
        if response.streaming and not response.is_async and not isinstance(response, FileResponse):  # files: no rows
            response.streaming_content = _chunks_in_scope(response.streaming_content, user)
        return response


def _chunks_in_scope(chunks: Iterable[bytes], user: Any) -> Iterator[bytes]:
    """Each chunk made in the user's scope, left again before it is handed on (so it never leaks to the server)."""
    iterator = iter(chunks)
    while True:
        with organization_scope(user):
            chunk = next(iterator, None)
        if chunk is None:
            return
        yield chunk


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
