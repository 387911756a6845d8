"""Submit -> approve (never by the submitter) -> a real worker writes the projection rows."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from commitments.models import Commitment, CommitmentEvent, ProjectionYear, Status
from commitments.services import approval
from commitments.services.errors import (
    ConcurrentUpdateError,
    InvalidTransitionError,
    PermissionDeniedError,
    SegregationOfDutiesError,
)
from tests.support.factories import make_org
from tests.support.polling import wait_for


def _draft(o, **overrides):
    fields = dict(
        segment=o.segment,
        seq=1,
        matter="構内電話交換機のリース",
        limit_yen=10_889_000,
        limit_text="",
        authorized_fy=2017,
        first_burden_fy=2017,
        last_burden_fy=2023,
    )
    fields.update(overrides)
    return approval.commitment_create(actor=o.officer, organization=o.organization, **fields)


@pytest.mark.django_db(transaction=True)
def test_submit_approve_projects_through_real_worker(celery_worker):
    o = make_org()
    commitment = _draft(o)
    approval.commitment_submit(actor=o.officer, commitment=commitment)

    with pytest.raises(SegregationOfDutiesError):
        approval.commitment_approve(actor=o.officer, commitment=commitment)
    assert Commitment.objects.get(pk=commitment.pk).status == Status.SUBMITTED

    approval.commitment_approve(actor=o.approver, commitment=commitment, resolution="第13回経営審議委員会 議案第2号")

    rows = wait_for(
        lambda: list(
            ProjectionYear.objects.filter(commitment=commitment)
            .order_by("fiscal_year")
            .values_list("fiscal_year", "planned_yen")
        )
    )
    # 10,889,000 yen over 7 years: 1,555,000 a year, the first year takes 1,559,000.
    assert rows == [
        (2017, 1_559_000),
        (2018, 1_555_000),
        (2019, 1_555_000),
        (2020, 1_555_000),
        (2021, 1_555_000),
        (2022, 1_555_000),
        (2023, 1_555_000),
    ]
    approved = Commitment.objects.get(pk=commitment.pk)
    assert approved.status == Status.APPROVED
    assert approved.approved_by == o.approver
    assert approved.resolution == "第13回経営審議委員会 議案第2号"
    wait_for(lambda: not Commitment.objects.get(pk=commitment.pk).needs_projection)
    trail = list(CommitmentEvent.objects.filter(commitment=commitment).values_list("action", "actor__username"))
    assert trail == [("create", "officer"), ("submit", "officer"), ("approve", "approver")]


@pytest.mark.django_db
def test_rules_enforced_in_services(org):
    commitment = _draft(org)
    with pytest.raises(InvalidTransitionError):
        approval.commitment_approve(actor=org.approver, commitment=commitment)  # still a draft
    with pytest.raises(PermissionDeniedError):
        approval.commitment_submit(actor=org.auditor, commitment=commitment)
    approval.commitment_submit(actor=org.officer, commitment=commitment)
    approval.commitment_reject(actor=org.approver, commitment=commitment, reason="限度額の根拠資料を添付してください")
    rejected = Commitment.objects.get(pk=commitment.pk)
    assert rejected.status == Status.DRAFT
    assert rejected.rejection_reason == "限度額の根拠資料を添付してください"


@pytest.mark.django_db
def test_other_organization_cannot_approve(org):
    other = make_org("別の市", prefix="b_")
    commitment = _draft(org)
    approval.commitment_submit(actor=org.officer, commitment=commitment)
    with pytest.raises(PermissionDeniedError):
        approval.commitment_approve(actor=other.approver, commitment=commitment)


@pytest.mark.django_db
def test_stale_draft_edit_is_refused(org):
    commitment = _draft(org)
    approval.commitment_update_draft(actor=org.officer, commitment=commitment, expected_version=1, matter="変更後")
    with pytest.raises(ConcurrentUpdateError):
        approval.commitment_update_draft(actor=org.officer2, commitment=commitment, expected_version=1, matter="上書き")
    assert Commitment.objects.get(pk=commitment.pk).matter == "変更後"


@pytest.mark.django_db
def test_database_refuses_self_approval_and_bad_spans(org):
    commitment = _draft(org)
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(
            status=Status.APPROVED, submitted_by=org.officer, approved_by=org.officer
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(first_burden_fy=2016)  # before 行為年度
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(last_burden_fy=2067)  # 51 years
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(limit_yen=0)
