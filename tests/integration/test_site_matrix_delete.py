"""Nothing financial is deleted through the UI, and the database refuses it too.

test_admin_permissions.py proves the delete pages of a draft and an approved commitment, contracts, payments and
projection rows cell by cell. This file adds, as a matrix of the same shape: commitments once submitted (waiting or
sent back), approved and submitted amendments, the models that have no admin page at all (their delete URL is a
404), the changelists' bulk "delete_selected" action, deleting through an inline's DELETE box, and the superuser's
delete of an organization or user that owns financial records. Every cell also checks that nothing changed.

Then the model policy as data: every foreign key of the app says what happens when its target goes, and anything
financial PROTECTs (Django's ProtectedError, and the database's own constraint for a raw DELETE).

Outcomes: LOGIN 302 to the admin login; DENY 403; GONE 404 (no such admin page); ABSENT the action is not offered
and a forged POST of it changes nothing; KEPT the request is answered (200 / 302) and may save the form (a new
version, its event and history), but no payment or event is removed and the target stays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction
from django.db.models import ProtectedError

from commitments.models import (
    Amendment,
    Commitment,
    CommitmentEvent,
    Contract,
    Installment,
    Organization,
    Payment,
    ReportDelivery,
    Segment,
    User,
)
from commitments.roles import roles_ensure
from commitments.services import approval, payments, projection
from tests.support.admin_pages import commitment_form, contract_form, fingerprint, fingerprint_diff, role_user
from tests.support.factories import make_amendment, make_commitment, make_contract, make_org

LOGIN, DENY, GONE, ABSENT, KEPT = "302-login", 403, 404, "absent", "kept"
ROLES = ("anonymous", "finance_officer", "approver", "auditor", "management", "superuser")

# fmt: off
MATRIX: dict[str, tuple[Any, ...]] = {
    # operation                                    anon    officer approver auditor mgmt    super
    # -- delete pages of records whose state forbids it -----------------------------------------------------------
    "commitment-delete-submitted-GET":            (LOGIN,  DENY,   DENY,   LOGIN,  LOGIN,  DENY),
    "commitment-delete-submitted-POST":           (LOGIN,  DENY,   DENY,   LOGIN,  LOGIN,  DENY),
    "commitment-delete-sent_back-GET":            (LOGIN,  DENY,   DENY,   LOGIN,  LOGIN,  DENY),
    "commitment-delete-sent_back-POST":           (LOGIN,  DENY,   DENY,   LOGIN,  LOGIN,  DENY),
    "amendment-delete-submitted-POST":            (LOGIN,  DENY,   DENY,   LOGIN,  LOGIN,  DENY),
    "amendment-delete-approved-GET":              (LOGIN,  DENY,   DENY,   LOGIN,  LOGIN,  DENY),
    "amendment-delete-approved-POST":             (LOGIN,  DENY,   DENY,   LOGIN,  LOGIN,  DENY),
    # -- models without an admin page: installments, 年割額, events, history, snapshots ----------------------------
    "installment-delete-POST":                    (LOGIN,  GONE,   GONE,   LOGIN,  LOGIN,  GONE),
    "plannedamount-delete-POST":                  (LOGIN,  GONE,   GONE,   LOGIN,  LOGIN,  GONE),
    "commitmentevent-delete-POST":                (LOGIN,  GONE,   GONE,   LOGIN,  LOGIN,  GONE),
    "historicalcommitment-delete-POST":           (LOGIN,  GONE,   GONE,   LOGIN,  LOGIN,  GONE),
    "historicalpayment-delete-POST":              (LOGIN,  GONE,   GONE,   LOGIN,  LOGIN,  GONE),
    "projectionsnapshot-delete-POST":             (LOGIN,  GONE,   GONE,   LOGIN,  LOGIN,  GONE),
    # -- the bulk delete action of every financial changelist ------------------------------------------------------
    "commitment-delete_selected-POST":            (LOGIN,  ABSENT, ABSENT, LOGIN,  LOGIN,  ABSENT),
    "contract-delete_selected-POST":              (LOGIN,  ABSENT, ABSENT, LOGIN,  LOGIN,  ABSENT),
    "payment-delete_selected-POST":               (LOGIN,  ABSENT, ABSENT, LOGIN,  LOGIN,  ABSENT),
    "amendment-delete_selected-POST":             (LOGIN,  ABSENT, ABSENT, LOGIN,  LOGIN,  ABSENT),
    "projectionyear-delete_selected-POST":        (LOGIN,  ABSENT, ABSENT, LOGIN,  LOGIN,  ABSENT),
    # approvers do not read the delivery log at all (roles.py: no view_reportdelivery)
    "reportdelivery-delete_selected-POST":        (LOGIN,  ABSENT, DENY,   LOGIN,  LOGIN,  ABSENT),
    # -- a DELETE box posted in a read-only inline: the form is saved or refused, the rows stay ---------------------
    "commitment-inline-event-DELETE-POST":        (LOGIN,  KEPT,   DENY,   LOGIN,  LOGIN,  KEPT),
    "contract-inline-payment-DELETE-POST":        (LOGIN,  KEPT,   DENY,   LOGIN,  LOGIN,  KEPT),
    # -- owners of financial records: only a superuser reaches these pages, and PROTECT stops the delete -----------
    "organization-delete-POST":                   (LOGIN,  DENY,   DENY,   LOGIN,  LOGIN,  KEPT),
    "user-delete-POST":                           (LOGIN,  DENY,   DENY,   LOGIN,  LOGIN,  KEPT),
}
# fmt: on

A = "/admin/commitments"


class World:
    """One organization's records in the states the cells need (each made on first use, before the request)."""

    def __init__(self, org: Any, superuser: User) -> None:
        self.org = org
        self.superuser = superuser

    @cached_property
    def submitted(self) -> Commitment:
        commitment = make_commitment(self.org, approve=False, matter="承認待ちの委託")
        return approval.commitment_submit(actor=self.org.officer2, commitment=commitment)

    @cached_property
    def sent_back(self) -> Commitment:
        """Submitted, then sent back by the approver: a draft again, but one that has a record of its own."""
        return approval.commitment_reject(actor=self.org.approver, commitment=self.submitted, reason="根拠不足")

    @cached_property
    def active(self) -> Commitment:
        """Approved, contract D-001 (lump sum) with a payment: 契約済."""
        commitment = make_commitment(self.org, matter="契約済の保守業務")
        contract = make_contract(self.org, commitment, "D-001", 4_000_000)
        payments.payment_record(actor=self.org.officer2, contract=contract, paid_on=date(2017, 11, 1), amount_yen=10)
        projection.projection_refresh(commitment_id=commitment.pk)
        return Commitment.objects.get(pk=commitment.pk)

    @cached_property
    def contract(self) -> Contract:
        return self.active.contracts.get()

    @cached_property
    def amendment_approved(self) -> Amendment:
        return make_amendment(self.org, self.active, new_limit_yen=11_000_000)

    @cached_property
    def amendment_submitted(self) -> Amendment:
        return make_amendment(
            self.org, make_commitment(self.org, matter="補正中の工事"), approve=False, new_limit_yen=12_000_000
        )

    @cached_property
    def delivery(self) -> ReportDelivery:
        return ReportDelivery.objects.create(organization=self.org.organization, kind="exposure_summary", period="x")

    def user(self, role: str) -> User | None:
        return role_user(self.org, role, self.superuser)


@dataclass(frozen=True)
class Op:
    method: str
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] = lambda w: {"post": "yes"}
    stays: Callable[[World], bool] = lambda w: True  # the record the request aims at is still there
    action: str | None = None


def _delete(model: str, obj: Callable[[World], Any]) -> Op:
    def stays(w: World) -> bool:
        target = obj(w)
        return type(target).objects.filter(pk=target.pk).exists()

    return Op("POST", lambda w: f"{A}/{model}/{obj(w).pk}/delete/", stays=stays)


def _with_records(w: World, target: Any) -> Any:
    """`target`, once the world holds an active commitment with a contract and a payment."""
    w.active  # noqa: B018
    return target


def _history(obj: Any) -> Any:
    return obj.history.order_by("-history_id").first()


def _bulk(model: str, obj: Callable[[World], Any]) -> Op:
    return Op(
        "POST",
        lambda w: f"{A}/{model}/",
        lambda w: {"action": "delete_selected", "_selected_action": [obj(w).pk], "post": "yes"},
        stays=lambda w: type(obj(w)).objects.filter(pk=obj(w).pk).exists(),
        action="delete_selected",
    )


def _event_delete_form(w: World) -> dict[str, Any]:
    """The change form of the sent-back draft as a browser posts it, with DELETE ticked on its first event."""
    c = Commitment.objects.get(pk=w.sent_back.pk)
    events = list(CommitmentEvent.objects.filter(commitment=c).order_by("pk"))
    data = commitment_form(c) | {"events-TOTAL_FORMS": len(events), "events-INITIAL_FORMS": len(events)}
    for i, event in enumerate(events):
        data |= {f"events-{i}-id": event.pk, f"events-{i}-commitment": c.pk, f"events-{i}-DELETE": "on"}
    return data


def _payment_delete_form(w: World) -> dict[str, Any]:
    """The contract's change form with DELETE ticked on its payment (the payments inline is read-only)."""
    k = w.contract
    payment = k.payments.get()
    return contract_form(k) | {
        "installments-TOTAL_FORMS": "0",
        "payments-TOTAL_FORMS": "1",
        "payments-INITIAL_FORMS": "1",
        "payments-0-id": payment.pk,
        "payments-0-contract": k.pk,
        "payments-0-DELETE": "on",
    }


OPS: dict[str, Op] = {
    "commitment-delete-submitted-GET": Op("GET", lambda w: f"{A}/commitment/{w.submitted.pk}/delete/"),
    "commitment-delete-submitted-POST": _delete("commitment", lambda w: w.submitted),
    "commitment-delete-sent_back-GET": Op("GET", lambda w: f"{A}/commitment/{w.sent_back.pk}/delete/"),
    "commitment-delete-sent_back-POST": _delete("commitment", lambda w: w.sent_back),
    "amendment-delete-submitted-POST": _delete("amendment", lambda w: w.amendment_submitted),
    "amendment-delete-approved-GET": Op("GET", lambda w: f"{A}/amendment/{w.amendment_approved.pk}/delete/"),
    "amendment-delete-approved-POST": _delete("amendment", lambda w: w.amendment_approved),
    "installment-delete-POST": _delete("installment", lambda w: w.contract.installments.first()),
    "plannedamount-delete-POST": _delete("plannedamount", lambda w: w.active.planned_amounts.first()),
    "commitmentevent-delete-POST": _delete("commitmentevent", lambda w: w.active.events.first()),
    "historicalcommitment-delete-POST": Op(
        "POST", lambda w: f"{A}/historicalcommitment/{_history(w.active).pk}/delete/"
    ),
    "historicalpayment-delete-POST": Op(
        "POST", lambda w: f"{A}/historicalpayment/{_history(w.contract.payments.get()).pk}/delete/"
    ),
    "projectionsnapshot-delete-POST": Op("POST", lambda w: f"{A}/projectionsnapshot/1/delete/"),
    "commitment-delete_selected-POST": _bulk("commitment", lambda w: w.active),
    "contract-delete_selected-POST": _bulk("contract", lambda w: w.contract),
    "payment-delete_selected-POST": _bulk("payment", lambda w: w.contract.payments.get()),
    "amendment-delete_selected-POST": _bulk("amendment", lambda w: w.amendment_approved),
    "projectionyear-delete_selected-POST": _bulk("projectionyear", lambda w: w.active.projection.first()),
    "reportdelivery-delete_selected-POST": _bulk("reportdelivery", lambda w: w.delivery),
    "commitment-inline-event-DELETE-POST": Op(
        "POST",
        lambda w: f"{A}/commitment/{w.sent_back.pk}/change/",
        _event_delete_form,
        stays=lambda w: CommitmentEvent.objects.filter(commitment=w.sent_back).count() >= 3,
    ),
    "contract-inline-payment-DELETE-POST": Op(
        "POST",
        lambda w: f"{A}/contract/{w.contract.pk}/change/",
        _payment_delete_form,
        stays=lambda w: w.contract.payments.exists(),
    ),
    "organization-delete-POST": _delete("organization", lambda w: _with_records(w, w.org.organization)),
    "user-delete-POST": _delete("user", lambda w: _with_records(w, w.org.officer2)),
}

assert set(OPS) == set(MATRIX), set(OPS) ^ set(MATRIX)
assert all(len(row) == len(ROLES) for row in MATRIX.values())

CELLS = [
    pytest.param(role, op, expected, id=f"{role}-{op}")
    for op, row in MATRIX.items()
    for role, expected in zip(ROLES, row, strict=True)
]


@pytest.fixture(scope="module")
def people(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[Any, User]]:
    """The role users and a superuser, made once in a transaction rolled back at the module's end."""
    with django_db_blocker.unblock(), transaction.atomic():
        roles_ensure(apps)
        org = make_org(prefix="del_")
        superuser = User.objects.create_superuser("del_root", "root@example.jp", "pw-root")
        yield org, superuser
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _roles() -> None:
    """Replaces the integration conftest's per-test roles_ensure: `people` ensured the groups for the module."""


@pytest.fixture
def world(people: tuple[Any, User], db: None) -> World:
    return World(*people)


def _counts() -> tuple[int, ...]:
    return (Organization.objects.count(), User.objects.count(), ReportDelivery.objects.count())


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "op_name", "expected"), CELLS)
def test_nothing_financial_is_deleted(client: Any, world: World, role: str, op_name: str, expected: Any) -> None:
    op = OPS[op_name]
    url = op.url(world)
    data = op.data(world) if op.method == "POST" else None
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    client.raise_request_exception = False
    offered = None
    if op.action and expected != LOGIN:
        offered = f'<option value="{op.action}"' in client.get(url).content.decode()

    before = (fingerprint(), _counts())
    response = client.get(url) if op.method == "GET" else client.post(url, data)
    status = response.status_code

    if expected == LOGIN:
        assert status == 302 and response["Location"].startswith("/admin/login/"), status
    elif expected in (DENY, GONE):
        assert status == expected, f"expected {expected}, got {status}"
    elif expected == ABSENT:
        assert offered is False, f"{op.action} is offered in the changelist"
        assert status in (200, 302), status  # the changelist again (no action at all) or back to it
    elif expected == KEPT:
        assert status in (200, 302), status
    assert op.stays(world), f"{role} {op_name}: the record is gone"
    after = (fingerprint(), _counts())
    if expected == KEPT:
        # The form itself may be saved (a new version, its event and history); payments and events all stay.
        assert after[0]["commitments_payment"] == before[0]["commitments_payment"]
        assert after[0]["commitments_commitmentevent"] >= before[0]["commitments_commitmentevent"]
        assert after[1] == before[1]
    else:
        assert after == before, f"{role} {op_name}: the database changed: {fingerprint_diff(before[0], after[0])}"


# ---------------------------------------------------------------------------------------------------------------
# The model policy: what each foreign key of the app does when its target is deleted. Financial records and what
# they hang on PROTECT; only derived rows (projections, snapshots) follow their commitment, and a delivery log
# outlives the subscription it came from. A new foreign key must be added here, with its rule.

P, CASCADE, SET_NULL, DO_NOTHING = models.PROTECT, models.CASCADE, models.SET_NULL, models.DO_NOTHING
ON_DELETE: dict[str, Any] = {
    "projectionyear.commitment": CASCADE,  # derived: recomputed from the commitment
    "projectionyear.organization": CASCADE,
    "projectionyear.segment": CASCADE,
    "projectionsnapshot.organization": CASCADE,  # derived: nightly totals
    "projectionsnapshot.segment": CASCADE,
    # derived, written only by the database's triggers as projection rows come and go (no constraint, see the model)
    "projectiontotal.organization": DO_NOTHING,
    "projectiontotal.segment": DO_NOTHING,
    "commitmenttotal.organization": DO_NOTHING,  # derived the same way, from the commitments' rows
    "commitmenttotal.segment": DO_NOTHING,
    "reportsubscription.periodic_task": SET_NULL,  # the beat entry is re-created on save
    "reportdelivery.subscription": SET_NULL,  # the log of what was sent outlives the subscription
    "user.organization": P,
}


def _foreign_keys() -> Iterator[tuple[str, Any]]:
    for model in apps.get_app_config("commitments").get_models():
        if model.__name__.startswith("Historical"):
            continue  # simple_history's copies: no database constraint, never deleted from the UI
        for field in model._meta.get_fields():
            if field.concrete and field.is_relation and (field.many_to_one or field.one_to_one):
                yield f"{model._meta.model_name}.{field.name}", field


def test_every_foreign_key_protects_unless_listed() -> None:
    problems = []
    for name, field in _foreign_keys():
        wanted = ON_DELETE.get(name, P)
        if field.remote_field.on_delete is not wanted:
            problems.append(f"{name}: {field.remote_field.on_delete.__name__}, expected {wanted.__name__}")
    assert not problems, problems
    assert set(ON_DELETE) <= {name for name, _f in _foreign_keys()}, "ON_DELETE names a key that no longer exists"


@pytest.mark.django_db
def test_orm_delete_of_what_holds_financial_records_is_protected(world: World) -> None:
    org = world.org
    commitment = make_commitment(org)
    contract = make_contract(org, commitment, "P-001", 1_000_000)
    payments.payment_record(actor=org.officer2, contract=contract, paid_on=date(2017, 12, 1), amount_yen=100)
    amendment = make_amendment(org, commitment, new_limit_yen=12_000_000)
    for target in (org.organization, org.segment, commitment, contract, org.officer2, org.approver):
        with pytest.raises(ProtectedError), transaction.atomic():
            target.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).delete()  # a queryset delete is refused the same way
    assert Payment.objects.filter(contract=contract).count() == 1
    assert Amendment.objects.filter(pk=amendment.pk).exists() and Installment.objects.filter(contract=contract)


RAW_DELETES = {
    "organization": (Organization, lambda o, c, k: o.organization.pk),
    "commitment": (Commitment, lambda o, c, k: c.pk),
    "contract": (Contract, lambda o, c, k: k.pk),
    "segment": (Segment, lambda o, c, k: o.segment.pk),
    "user": (User, lambda o, c, k: o.officer2.pk),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(RAW_DELETES))
def test_raw_sql_delete_is_refused_by_the_database(world: World, case: str) -> None:
    """Past the ORM (a console, a script): the foreign-key constraints refuse the DELETE themselves."""
    org = world.org
    commitment = make_commitment(org)
    contract = make_contract(org, commitment, "R-001", 1_000_000)
    payments.payment_record(actor=org.officer2, contract=contract, paid_on=date(2017, 12, 1), amount_yen=100)
    model, pk = RAW_DELETES[case]
    row = pk(org, commitment, contract)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = %s", [row])
    assert model.objects.filter(pk=row).exists()
