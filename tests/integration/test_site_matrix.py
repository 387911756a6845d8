"""Who may do what on the site outside the admin: every URL × role × method as data, one test per cell.

The policy, as the views implement it (commitments/views/base.py, views/reports.py, views/preview.py):
  - the auditor site (exposure, summary, a commitment's page, 調書, 要確認事項, their downloads, the report preview)
    is read by auditors and management, and by staff (finance officers and approvers) and superusers;
    anonymous visitors are sent to the login page; a signed-in user with no role gets 403;
  - it is read-only: a POST to the exposure pages and a commitment's page is 405 (the generic views have no
    POST); the report pages (調書, 要確認事項, preview) refuse any method but GET/HEAD with 403, whoever asks;
  - `/` sends everyone to /exposure/ (which then applies the rules above);
  - /healthz is public (it carries no secrets: see test_security.py) and GET only;
  - the login page is open to everyone; logout is POST only (Django 5), then back to the login page;
  - /i18n/setlang/ redirects to `next`; only a POST sets the language.
A signed-in user is never sent to the login page by the auditor site: they get 403 instead (no redirect loop).

Outcomes:
  LOGIN     302 to /accounts/login/?next=…
  OK        200
  DENY      403
  METHOD    405 (method not allowed)
  HOME      302 to /exposure/
  LOGOUT    302 to /accounts/login/ (after logging out)
Every cell also checks that nothing financial changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from commitments.models import ReportSubscription, User
from commitments.roles import roles_ensure
from commitments.services import payments, projection
from commitments.services import reports as report_services
from tests.support.admin_pages import fingerprint, role_user
from tests.support.factories import make_commitment, make_contract, make_org, make_user

LOGIN, OK, DENY, METHOD, HOME, LOGOUT = "302-login", 200, 403, 405, "302-exposure", "302-login-page"

ROLES = ("anonymous", "finance_officer", "approver", "auditor", "management", "superuser", "no_role")

# fmt: off
MATRIX: dict[str, tuple[Any, ...]] = {
    # request                                    anon     officer  approver auditor  mgmt     super    no_role
    "GET /":                                    (HOME,    HOME,    HOME,    HOME,    HOME,    HOME,    HOME),
    "POST /":                                   (HOME,    HOME,    HOME,    HOME,    HOME,    HOME,    HOME),
    # -- exposure (負担額) and its downloads ------------------------------------------------------------------------
    "GET /exposure/":                           (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /exposure/":                          (LOGIN,   METHOD,  METHOD,  METHOD,  METHOD,  METHOD,  DENY),
    "GET /exposure/export.csv":                 (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /exposure/export.csv":                (LOGIN,   METHOD,  METHOD,  METHOD,  METHOD,  METHOD,  DENY),
    "GET /exposure/export.xlsx":                (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /exposure/export.xlsx":               (LOGIN,   METHOD,  METHOD,  METHOD,  METHOD,  METHOD,  DENY),
    "GET /exposure/export.pdf":                 (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /exposure/export.pdf":                (LOGIN,   METHOD,  METHOD,  METHOD,  METHOD,  METHOD,  DENY),
    "GET /exposure/summary/":                   (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /exposure/summary/":                  (LOGIN,   METHOD,  METHOD,  METHOD,  METHOD,  METHOD,  DENY),
    "GET /exposure/summary/export.csv":         (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /exposure/summary/export.csv":        (LOGIN,   METHOD,  METHOD,  METHOD,  METHOD,  METHOD,  DENY),
    "GET /exposure/summary/export.xlsx":        (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /exposure/summary/export.xlsx":       (LOGIN,   METHOD,  METHOD,  METHOD,  METHOD,  METHOD,  DENY),
    "GET /exposure/summary/export.pdf":         (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /exposure/summary/export.pdf":        (LOGIN,   METHOD,  METHOD,  METHOD,  METHOD,  METHOD,  DENY),
    # -- burden of coming years against the fiscal frames, statistics (read-only like the report pages) -------------
    "GET /exposure/burden/":                    (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /exposure/burden/":                   (LOGIN,   DENY,    DENY,    DENY,    DENY,    DENY,    DENY),
    "GET /exposure/burden/statistics/":         (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /exposure/burden/statistics/":        (LOGIN,   DENY,    DENY,    DENY,    DENY,    DENY,    DENY),
    "GET /exposure/burden/statistics/export.xlsx": (LOGIN, OK,     OK,      OK,      OK,      OK,      DENY),
    "POST /exposure/burden/statistics/export.xlsx": (LOGIN, DENY,  DENY,    DENY,    DENY,    DENY,    DENY),
    # -- one commitment's record ------------------------------------------------------------------------------------
    "GET /commitments/<id>/":                   (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /commitments/<id>/":                  (LOGIN,   METHOD,  METHOD,  METHOD,  METHOD,  METHOD,  DENY),
    # -- 調書 -------------------------------------------------------------------------------------------------------
    "GET /reports/chousho/":                    (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /reports/chousho/":                   (LOGIN,   DENY,    DENY,    DENY,    DENY,    DENY,    DENY),
    "GET /reports/chousho/export.xlsx":         (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /reports/chousho/export.xlsx":        (LOGIN,   DENY,    DENY,    DENY,    DENY,    DENY,    DENY),
    "GET /reports/chousho/export.csv":          (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /reports/chousho/export.csv":         (LOGIN,   DENY,    DENY,    DENY,    DENY,    DENY,    DENY),
    "GET /reports/chousho/export.pdf":          (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /reports/chousho/export.pdf":         (LOGIN,   DENY,    DENY,    DENY,    DENY,    DENY,    DENY),
    # -- 要確認事項 ---------------------------------------------------------------------------------------------------
    "GET /reports/exceptions/":                 (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /reports/exceptions/":                (LOGIN,   DENY,    DENY,    DENY,    DENY,    DENY,    DENY),
    "GET /reports/exceptions/export.xlsx":      (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /reports/exceptions/export.xlsx":     (LOGIN,   DENY,    DENY,    DENY,    DENY,    DENY,    DENY),
    "GET /reports/exceptions/export.csv":       (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /reports/exceptions/export.csv":      (LOGIN,   DENY,    DENY,    DENY,    DENY,    DENY,    DENY),
    # -- report preview: the list, then one subscription of the user's organization (nothing is sent) ----------------
    "GET /reports/preview/":                    (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /reports/preview/":                   (LOGIN,   DENY,    DENY,    DENY,    DENY,    DENY,    DENY),
    "GET /reports/preview/?subscription=<id>":  (LOGIN,   OK,      OK,      OK,      OK,      OK,      DENY),
    "POST /reports/preview/?subscription=<id>": (LOGIN,   DENY,    DENY,    DENY,    DENY,    DENY,    DENY),
    # -- public and account pages ------------------------------------------------------------------------------------
    "GET /healthz":                             (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "POST /healthz":                            (METHOD,  METHOD,  METHOD,  METHOD,  METHOD,  METHOD,  METHOD),
    "GET /accounts/login/":                     (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "POST /accounts/login/":                    (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "GET /accounts/logout/":                    (METHOD,  METHOD,  METHOD,  METHOD,  METHOD,  METHOD,  METHOD),
    "POST /accounts/logout/":                   (LOGOUT,  LOGOUT,  LOGOUT,  LOGOUT,  LOGOUT,  LOGOUT,  LOGOUT),
    "GET /i18n/setlang/":                       (HOME,    HOME,    HOME,    HOME,    HOME,    HOME,    HOME),
    "POST /i18n/setlang/":                      (HOME,    HOME,    HOME,    HOME,    HOME,    HOME,    HOME),
}
# fmt: on


@dataclass(frozen=True)
class Page:
    """A URL pattern of the resolver, how to make a concrete URL of it, and what a request sends."""

    route: str
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] = lambda w: {}


def _same(route: str, data: dict[str, Any] | None = None) -> Page:
    """A URL without parameters in its path, with what a request sends (query or form)."""
    return Page(route, lambda w: "/" + route, lambda w: dict(data or {}))


PAGES: dict[str, Page] = {
    "/": _same(""),
    "/exposure/": _same("exposure/"),
    "/exposure/export.csv": _same("exposure/export.csv"),
    "/exposure/export.xlsx": _same("exposure/export.xlsx"),
    "/exposure/export.pdf": _same("exposure/export.pdf"),
    "/exposure/summary/": _same("exposure/summary/"),
    "/exposure/summary/export.csv": _same("exposure/summary/export.csv"),
    "/exposure/summary/export.xlsx": _same("exposure/summary/export.xlsx"),
    "/exposure/summary/export.pdf": _same("exposure/summary/export.pdf"),
    "/exposure/burden/": _same("exposure/burden/", {"year": "2018"}),
    "/exposure/burden/statistics/": _same("exposure/burden/statistics/"),
    "/exposure/burden/statistics/export.xlsx": _same("exposure/burden/statistics/export.xlsx"),
    "/commitments/<id>/": Page("commitments/<int:pk>/", lambda w: f"/commitments/{w.commitment.pk}/"),
    "/reports/chousho/": _same("reports/chousho/", {"fy": "2017"}),
    "/reports/chousho/export.xlsx": _same("reports/chousho/export.xlsx", {"fy": "2017"}),
    "/reports/chousho/export.csv": _same("reports/chousho/export.csv", {"fy": "2017"}),
    "/reports/chousho/export.pdf": _same("reports/chousho/export.pdf", {"fy": "2017"}),
    "/reports/exceptions/": _same("reports/exceptions/"),
    "/reports/exceptions/export.xlsx": _same("reports/exceptions/export.xlsx"),
    "/reports/exceptions/export.csv": _same("reports/exceptions/export.csv"),
    "/reports/preview/": _same("reports/preview/"),
    "/reports/preview/?subscription=<id>": Page(
        "reports/preview/", lambda w: f"/reports/preview/?subscription={w.subscription.pk}&period=2017-05"
    ),
    "/healthz": _same("healthz"),
    "/accounts/login/": _same("accounts/login/"),
    "/accounts/logout/": _same("accounts/logout/"),
    "/i18n/setlang/": _same("i18n/setlang/", {"language": "en", "next": "/exposure/"}),
}

assert all(len(row) == len(ROLES) for row in MATRIX.values())
assert {key.split(" ", 1)[1] for key in MATRIX} == set(PAGES), "every page has its GET and POST lines"
assert all(f"{m} {p}" in MATRIX for p in PAGES for m in ("GET", "POST")), "every page has its GET and POST lines"

CELLS = [
    pytest.param(role, request_line, expected, id=f"{role}-{request_line}")
    for request_line, row in MATRIX.items()
    for role, expected in zip(ROLES, row, strict=True)
]


# ---------------------------------------------------------------------------------------------------------------
# Fixture data: one organization with an approved, contracted, partly paid commitment and a report subscription.


@dataclass
class World:
    org: Any
    superuser: User
    no_role: User
    commitment: Any
    subscription: ReportSubscription

    def user(self, role: str) -> User | None:
        if role == "no_role":
            return self.no_role
        return role_user(self.org, role, self.superuser)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Made once for the module in a transaction rolled back at its end; each test runs in a savepoint inside."""
    with django_db_blocker.unblock(), transaction.atomic():
        roles_ensure(apps)
        org = make_org("行列市", prefix="site_")
        superuser = User.objects.create_superuser("site_root", "root@example.jp", "pw-root")
        no_role = make_user("site_nobody", org.organization)
        commitment = make_commitment(org, matter="行列市庁舎清掃業務委託")
        contract = make_contract(org, commitment, "S-001", 4_000_000)
        payments.payment_record(actor=org.officer2, contract=contract, paid_on=contract.end_on, amount_yen=1_000_000)
        projection.projection_refresh(commitment_id=commitment.pk)
        subscription = ReportSubscription(name="行列市 月次報告", organization=org.organization)
        report_services.subscription_save(subscription=subscription, actor=org.officer)
        subscription.recipient_groups.set([Group.objects.get(name="management")])
        yield World(org, superuser, no_role, commitment, subscription)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _roles() -> None:
    """Replaces the integration conftest's per-test roles_ensure: `world` ensured the groups for the module."""


@pytest.fixture(autouse=True)
def _no_worker_ping(monkeypatch: pytest.MonkeyPatch) -> None:
    """/healthz asks Celery workers to answer a ping (half a second each time); who may call it is what counts here."""
    monkeypatch.setattr("commitments.views.health._workers", lambda: {"ok": True, "count": 1})


def _describe(response: Any) -> str:
    text = f"{response.status_code}"
    if response.status_code in (301, 302):
        text += f" -> {response['Location']}"
    exc = getattr(response, "exc_info", None)
    if exc:
        text += f" raised {exc[0].__name__}: {exc[1]}"
    return text


def _check(response: Any, expected: Any, url: str) -> str | None:
    """What is wrong with the response, or None."""
    status = response.status_code
    location = response.get("Location", "")
    path = url.split("?")[0]
    ok = {
        LOGIN: status == 302 and location.startswith("/accounts/login/?next=") and path in location.replace("%2F", "/"),
        HOME: status == 302 and location == "/exposure/",
        LOGOUT: status == 302 and location == "/accounts/login/",
    }.get(expected, status == expected)
    return None if ok else f"expected {expected}, got {_describe(response)}"


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "request_line", "expected"), CELLS)
def test_site_permission(client: Client, world: World, role: str, request_line: str, expected: Any) -> None:
    method, key = request_line.split(" ", 1)
    page = PAGES[key]
    url = page.url(world)
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    client.raise_request_exception = False  # a crash is reported as a 500 in the cell, not as an error

    before = fingerprint()
    response = client.get(url, page.data(world)) if method == "GET" else client.post(url, page.data(world))
    problem = _check(response, expected, url)
    assert problem is None, f"{role} {request_line}: {problem}"
    assert fingerprint() == before, f"{role} {request_line} changed the database"
    if key == "/i18n/setlang/":
        # Only a POST chooses the language (a link cannot switch it for someone).
        assert ("django_language" in response.cookies) == (method == "POST")


# ---------------------------------------------------------------------------------------------------------------
# No page without a policy line: every URL pattern outside the admin must appear in the matrix.


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def test_every_url_has_a_policy_line() -> None:
    routes = {r for r in _routes(get_resolver().url_patterns) if not r.startswith("admin/")}
    covered = {page.route for page in PAGES.values()}
    assert routes - covered == set(), f"URL patterns without a line in MATRIX: {sorted(routes - covered)}"
    assert covered - routes == set(), f"MATRIX lines for URL patterns that no longer exist: {sorted(covered - routes)}"


# ---------------------------------------------------------------------------------------------------------------
# Cross-site request forgery: the test client skips the check, a browser does not. The state-changing POSTs of
# the site (log out, choose the language) and the read-only pages refuse a POST without the token.

CSRF_POSTS = ["/accounts/logout/", "/i18n/setlang/", "/accounts/login/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", CSRF_POSTS)
def test_post_without_csrf_token_is_refused(world: World, url: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.org.auditor)
    response = client.post(url, {"language": "en", "next": "/exposure/", "username": "x", "password": "y"})
    assert response.status_code == 403, _describe(response)
    assert "django_language" not in response.cookies
    assert client.get("/exposure/").status_code == 200, "still signed in"


# ---------------------------------------------------------------------------------------------------------------
# No open redirect: a `next` pointing off the site is ignored by the login and language forms.

EVIL_NEXT = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"]


@pytest.mark.django_db
@pytest.mark.parametrize("target", EVIL_NEXT)
def test_next_off_the_site_is_ignored(client: Client, world: World, target: str) -> None:
    user = world.org.auditor
    credentials = {"username": user.username, "password": f"pw-{user.username}"}  # tests.support.factories.make_user
    response = client.post(f"/accounts/login/?next={target}", credentials)
    assert response.status_code == 302 and response["Location"] == "/exposure/", _describe(response)
    response = client.post("/i18n/setlang/", {"language": "en", "next": target})
    assert response.status_code == 302 and response["Location"] == "/", _describe(response)
