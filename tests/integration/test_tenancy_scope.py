"""The tenancy scope (django-scopes, commitments/models/scoping.py): forgetting `for_user` is loud or harmless.

- Outside every entry point a query on an organization's model raises ScopeError.
- In a request the middleware scopes every query to the user's organizations, so a view or an admin queryset that
  forgot `for_user` still sees none of another organization's rows; superusers see every organization's.
- Tasks (and their failure handlers), beat and management commands run as the system, each from one entry point.

The tests' own thread runs with scopes disabled (conftest.py); `scope()` with no dimension is what a thread outside
every entry point has (django-scopes' empty state: enabled, no organization), so the checks below enter it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from celery import Task
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.db import connection, models
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.test import Client
from django.urls import path
from django.utils import timezone
from django_scopes import ScopeError, scope
from simple_history.models import HistoricalChanges

import manage
from commitments import tasks
from commitments.models import Commitment, Contract, Organization, ProjectionSnapshot, User
from commitments.models.scoping import is_scoped, organization_path, organization_scope
from commitments.services import projection
from jlis_commitments.celery import app as celery_app
from tests.support.factories import make_commitment, make_contract, make_org


def _scoped_models() -> list[type[models.Model]]:
    return [m for m in apps.get_app_config("commitments").get_models() if is_scoped(m)]


def _visible(request: HttpRequest) -> JsonResponse:
    """A page that forgot tenancy: every scoped model's rows by plain managers, and the admin's unscoped queryset."""
    rows = {m._meta.label: sorted(m.objects.values_list("pk", flat=True)) for m in _scoped_models()}
    commitment_admin = admin.site._registry[Commitment]
    rows["admin"] = sorted(admin.ModelAdmin.get_queryset(commitment_admin, request).values_list("pk", flat=True))
    return JsonResponse(rows)


def _streamed(request: HttpRequest) -> StreamingHttpResponse:
    """A download whose rows are read while it streams, after the view (and the middleware's call) returned."""

    def lines() -> Iterator[bytes]:
        for pk in Commitment.objects.order_by("pk").values_list("pk", flat=True):
            yield f"{pk}\n".encode()

    return StreamingHttpResponse(lines())


urlpatterns = [path("forgot-for-user/", _visible), path("streamed/", _streamed)]


@dataclass
class Two:
    a: Any
    b: Any
    rows: dict[str, dict[str, list[int]]]  # organization name -> model label -> its pks


@pytest.fixture
def two(db: None) -> Two:
    """Two organizations, each with an approved commitment, a contract and projection rows."""
    a, b = make_org("甲市", prefix="sc_a_"), make_org("乙町", prefix="sc_b_")
    for o in (a, b):
        commitment = make_commitment(o, matter=f"{o.organization.name}の清掃業務")
        make_contract(o, commitment, f"{o.organization.name}-1", 4_000_000)
        projection.projection_refresh(commitment_id=commitment.pk)
    rows: dict[str, dict[str, list[int]]] = {}
    for o in (a, b):
        rows[o.organization.name] = {
            m._meta.label: sorted(
                m.objects.filter(**{f"{organization_path(m)}__in": [o.organization.pk]}).values_list("pk", flat=True)
            )
            for m in _scoped_models()
        }
        rows[o.organization.name]["admin"] = rows[o.organization.name]["commitments.Commitment"]
    return Two(a, b, rows)


def test_every_model_owned_by_an_organization_has_a_scoped_manager() -> None:
    owned = [
        m
        for m in apps.get_app_config("commitments").get_models()
        if organization_path(m) is not None and not issubclass(m, HistoricalChanges)
    ]
    assert {m.__name__ for m in owned if not is_scoped(m)} == {"User"}  # authentication loads users before a scope
    assert len(_scoped_models()) == 23  # 20, the fiscal frames, the 種別 → statistics-class mapping, the count cells


def test_a_query_outside_every_scope_raises(two: Two) -> None:
    commitment = Commitment.objects.get(organization=two.b.organization)
    with scope():
        for model in _scoped_models():
            with pytest.raises(ScopeError):
                model.objects.filter(pk=1).exists()
            with pytest.raises(ScopeError):
                list(model.objects.all())
        with pytest.raises(ScopeError):
            commitment.contracts.count()  # related managers too
        # The explicit API names whose rows it wants, so it works anywhere.
        assert list(Commitment.objects.for_user(two.a.officer).values_list("matter", flat=True)) == ["甲市の清掃業務"]
        assert Contract.objects.for_user(two.b.auditor).get().contract_no == "乙町-1"


def test_a_scope_hides_the_other_organizations_rows_from_a_plain_filter(two: Two) -> None:
    b_commitment = Commitment.objects.get(organization=two.b.organization)
    with organization_scope(two.a.officer):
        assert not Commitment.objects.filter(pk=b_commitment.pk).exists()
        assert list(Organization.objects.values_list("name", flat=True)) == ["甲市"]
        assert Contract.objects.count() == 1
    with organization_scope(User(username="nobody")):
        assert not Commitment.objects.exists() and not Organization.objects.exists()


@pytest.mark.urls("tests.integration.test_tenancy_scope")
def test_a_page_that_forgot_for_user_shows_only_the_users_organization(two: Two) -> None:
    client = Client()
    client.force_login(two.a.auditor)
    seen = json.loads(client.get("/forgot-for-user/").content)
    assert seen == two.rows["甲市"]
    assert all(seen[label] for label in ("commitments.Commitment", "commitments.Contract", "admin"))
    client.force_login(two.b.officer)
    assert json.loads(client.get("/forgot-for-user/").content) == two.rows["乙町"]


@pytest.mark.urls("tests.integration.test_tenancy_scope")
def test_a_streamed_download_reads_its_rows_in_the_users_scope(two: Two) -> None:
    client = Client()
    client.force_login(two.b.auditor)
    response = client.get("/streamed/")
    with scope():  # the server's thread after the view returned: no scope of its own
        body = b"".join(response.streaming_content)
        with pytest.raises(ScopeError):
            Commitment.objects.count()  # the scope was left after each chunk
    assert body.decode().split() == [str(pk) for pk in two.rows["乙町"]["commitments.Commitment"]]


@pytest.mark.urls("tests.integration.test_tenancy_scope")
def test_superusers_see_every_organization_and_nobody_sees_none(two: Two) -> None:
    client = Client()
    client.force_login(User.objects.create_superuser("sc_root", "root@example.jp", "pw-root"))
    seen = json.loads(client.get("/forgot-for-user/").content)
    both = {label: sorted(two.rows["甲市"][label] + two.rows["乙町"][label]) for label in seen}
    assert seen == both
    assert len(seen["commitments.Organization"]) == 2
    client.force_login(User.objects.create_user("sc_none", password="pw-none", is_staff=True))  # no organization
    assert all(pks == [] for pks in json.loads(client.get("/forgot-for-user/").content).values())
    anonymous = json.loads(Client().get("/forgot-for-user/").content)
    assert all(pks == [] for pks in anonymous.values())


def test_anonymous_pages_work_under_the_empty_scope(two: Two) -> None:
    client = Client()
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/admin/login/").status_code == 200
    assert (
        client.post("/accounts/login/", {"username": "sc_a_auditor", "password": "pw-sc_a_auditor"}).status_code == 302
    )
    ProjectionSnapshot.objects.create(
        organization=two.b.organization,
        as_of="2026-04-01",
        fiscal_year=2026,
        segment=two.b.segment,
        commitments=1,
        computed_at=timezone.now(),
    )
    health = json.loads(Client().get("/healthz").content)  # the system's figure, read as the system
    assert health["database"]["ok"] and health["last_project_all"] is not None


def test_a_task_runs_as_the_system_from_its_signals(two: Two) -> None:
    Commitment.objects.update(needs_projection=True)
    with scope():
        with pytest.raises(ScopeError):
            tasks.projections_sweep.run()  # the bare function, without the task's entry point
        result = tasks.projections_sweep.apply()  # task_prerun / task_postrun around it
        assert result.successful() and result.result == 2
        with pytest.raises(ScopeError):
            Commitment.objects.count()  # the system scope ended with the task
    assert not Commitment.objects.filter(needs_projection=True).exists()


def test_a_failing_tasks_handler_runs_as_the_system(two: Two) -> None:
    """on_failure comes after the task body (ImportJobTask marks its job failed there): still the system's scope."""
    seen: list[object] = []

    class Probe(Task):
        def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
            seen.append(sorted(Organization.objects.values_list("name", flat=True)))

    def fails() -> None:
        raise ValueError("refused")

    probe = celery_app.task(base=Probe, name="tests.tenancy_scope.fails")(fails)
    with scope():
        assert probe.apply().failed()
    assert seen == [["乙町", "甲市"]]


def test_beat_runs_as_the_system_from_beat_init(db: None) -> None:
    """A fresh thread has no scope (as beat's has); after beat_init it reads as the system."""
    from celery.signals import beat_init

    outcome: list[object] = []

    def beat_thread() -> None:
        try:
            try:
                Organization.objects.count()
            except ScopeError as exc:
                outcome.append(exc)
            beat_init.send(sender=celery_app)
            outcome.append(Organization.objects.count())
        finally:
            connection.close()

    thread = threading.Thread(target=beat_thread)
    thread.start()
    thread.join()
    assert isinstance(outcome[0], ScopeError) and isinstance(outcome[1], int)


def test_commands_run_as_the_system_from_manage_py(two: Two, capsys: pytest.CaptureFixture[str]) -> None:
    with scope():
        with pytest.raises(ScopeError):
            call_command("exposure", organization="乙町", json=True)  # a command called past manage.py's hook
        manage.main(["manage.py", "exposure", "--organization", "乙町", "--json", "--by", "segment"])
        with pytest.raises(ScopeError):
            Commitment.objects.count()
    out = capsys.readouterr().out
    table = json.loads(out[out.index("{") :])
    # 乙町's one commitment (10,000,000 yen, FY2017–2020) in its one segment: the command read the books it was asked
    assert table["commitments"] == 1 and table["limit_total"] == 10_000_000
    assert [row["key"] for row in table["rows"]] == [two.b.segment.pk]
