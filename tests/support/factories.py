"""Test data builders: an organization with segments and one user per role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import Group

from commitments.models import Organization, Segment, User


@dataclass
class Org:
    """An organization with its segments and role users."""

    organization: Organization
    segment: Segment
    other_segment: Segment
    officer: User
    officer2: User
    approver: User
    auditor: User
    manager: User


def make_user(username: str, organization: Organization, *groups: str, staff: bool = False, email: str = "") -> User:
    user = User.objects.create_user(
        username=username,
        password="pw-" + username,
        organization=organization,
        is_staff=staff,
        email=email or f"{username}@example.jp",
    )
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


def make_org(name: str = "テスト市", prefix: str = "") -> Org:
    organization = Organization.objects.create(name=name)
    segment = Segment.objects.create(organization=organization, code="general", name="一般会計", sort_order=1)
    other = Segment.objects.create(organization=organization, code="water", name="水道事業", sort_order=2)
    return Org(
        organization=organization,
        segment=segment,
        other_segment=other,
        officer=make_user(f"{prefix}officer", organization, "finance_officer", "approver", staff=True),
        officer2=make_user(f"{prefix}officer2", organization, "finance_officer", staff=True),
        approver=make_user(f"{prefix}approver", organization, "approver", staff=True),
        auditor=make_user(f"{prefix}auditor", organization, "auditor"),
        manager=make_user(f"{prefix}manager", organization, "management"),
    )


# Builders that go through the services (officer2 enters and submits, approver approves).


def make_commitment(o: Org, *, approve: bool = True, planned: dict[int, int] | None = None, **overrides: Any) -> Any:
    """A commitment entered (default 10,000,000 yen, FY2017, span FY2017–FY2020), submitted and approved."""
    from commitments.models import Commitment
    from commitments.services import approval, planning

    fields: dict[str, Any] = {
        "segment": o.segment,
        "matter": "庁舎清掃業務委託",
        "limit_yen": 10_000_000,
        "limit_text": "",
        "authorized_fy": 2017,
        "first_burden_fy": 2017,
        "last_burden_fy": 2020,
    }
    fields.update(overrides)
    commitment = approval.commitment_create(actor=o.officer2, organization=o.organization, **fields)
    if planned is not None:
        planning.planned_amounts_set(actor=o.officer2, commitment=commitment, amounts=planned)
    if approve:
        approval.commitment_submit(actor=o.officer2, commitment=commitment)
        approval.commitment_approve(actor=o.approver, commitment=commitment)
    return Commitment.objects.get(pk=commitment.pk)


def register_contract(o: Org, commitment: Any, contract_no: str, amount_yen: int, **overrides: Any) -> Any:
    """Register a contract as officer2 and return the service's outcome; by default signed 2017-06-01, paid in one
    sum on 2018-03-31."""
    from commitments.services import contracts

    fields: dict[str, Any] = {
        "counterparty": "株式会社テスト",
        "signed_on": date(2017, 6, 1),
        "start_on": date(2017, 7, 1),
        "end_on": date(2018, 3, 31),
        "payment_terms": "lump_sum",
    }
    fields.update(overrides)
    return contracts.contract_register(
        actor=o.officer2, commitment=commitment, contract_no=contract_no, amount_yen=amount_yen, **fields
    )


def make_contract(o: Org, commitment: Any, contract_no: str, amount_yen: int, **overrides: Any) -> Any:
    """A contract registered by officer2 (register_contract's defaults)."""
    return register_contract(o, commitment, contract_no, amount_yen, **overrides).contract


def make_year_contract(
    o: Org, commitment: Any, contract_no: str, amount_yen: int, *, fy: int, counterparty: str
) -> Any:
    """A contract signed on 1 April of `fy` and running the whole fiscal year, paid in one sum."""
    return make_contract(
        o,
        commitment,
        contract_no,
        amount_yen,
        counterparty=counterparty,
        signed_on=date(fy, 4, 1),
        start_on=date(fy, 4, 1),
        end_on=date(fy + 1, 3, 31),
    )


def make_subscription(o: Org, **fields: Any) -> Any:
    """A report subscription saved by officer through the service, sent to the management group."""
    from commitments.models import ReportSubscription
    from commitments.services import reports

    subscription = ReportSubscription(organization=o.organization, **fields)
    reports.subscription_save(subscription=subscription, actor=o.officer)
    subscription.recipient_groups.set([Group.objects.get(name="management")])
    return subscription


def make_snapshot(o: Org, *, as_of: date, fiscal_year: int, planned_yen: int) -> Any:
    """A stored snapshot of one commitment's worth of uncontracted authority in the organization's first segment."""
    from django.utils import timezone

    from commitments.models import ProjectionSnapshot

    return ProjectionSnapshot.objects.create(
        organization=o.organization,
        as_of=as_of,
        fiscal_year=fiscal_year,
        segment=o.segment,
        planned_yen=planned_yen,
        uncontracted_yen=planned_yen,
        commitments=1,
        computed_at=timezone.now(),
    )


def make_amendment(o: Org, commitment: Any, *, submit: bool = True, approve: bool = True, **proposal: Any) -> Any:
    """An amendment drafted and submitted by officer2 and approved by approver (as far as asked)."""
    from commitments.models import Amendment
    from commitments.services import amendments

    proposal.setdefault("reason", "契約期間の見直し")
    amendment = amendments.amendment_create(actor=o.officer2, commitment=commitment, **proposal)
    if submit or approve:
        amendments.amendment_submit(actor=o.officer2, amendment=amendment)
    if approve:
        amendments.amendment_approve(actor=o.approver, amendment=amendment, resolution="理事長決裁")
    return Amendment.objects.get(pk=amendment.pk)
