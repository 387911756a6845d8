"""Segregation of duties on the whole trail: whoever created, edited or submitted a commitment, an amendment (補正) or a
budget-table upload at any point never approves it, and a submitter withdraws rather than rejects his own submission.

`org.officer` holds both the finance-officer and the approver role (tests.support.factories), so only 職務分掌 stops
him; `org.officer2` is a finance officer only and `org.approver` an approver only. The scenarios marked "reproduced"
are the tester's: before services.workflow the rule compared only the latest submitter, so each of them let him
approve.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import (
    Amendment,
    AmendmentStatus,
    Authorship,
    Commitment,
    ImportJob,
    ImportJobStatus,
    Status,
    WorkflowItemKind,
)
from commitments.services import amendments, approval, planning, workflow
from commitments.services.errors import SegregationOfDutiesError
from commitments.services.imports import jobs
from tests.support.factories import make_commitment
from tests.support.fuji import FUJI_R8

R8 = FUJI_R8
COMMITMENT, AMENDMENT, IMPORT_JOB = WorkflowItemKind.COMMITMENT, WorkflowItemKind.AMENDMENT, WorkflowItemKind.IMPORT_JOB


def _draft(o, actor):
    return approval.commitment_create(
        actor=actor,
        organization=o.organization,
        segment=o.segment,
        matter="基幹系システム保守業務",
        limit_yen=12_000_000,
        limit_text="",
        authorized_fy=2017,
        first_burden_fy=2017,
        last_burden_fy=2019,
    )


def _authors(kind: str, item_id: int) -> dict[str, str]:
    rows = Authorship.objects.filter(item_kind=kind, item_id=item_id)
    return dict(rows.values_list("user__username", "first_action"))


# ---------------------------------------------------------------------------------------------------------------
# Commitments


@pytest.mark.django_db
def test_reproduced_commitment_own_rejection_then_resubmitted_by_another_officer(org):
    """He creates and submits, "rejects" his own submission, another officer resubmits, he approves: all refused."""
    x = org.officer
    commitment = _draft(org, x)
    approval.commitment_submit(actor=x, commitment=commitment)

    with pytest.raises(SegregationOfDutiesError) as rejecting:
        approval.commitment_reject(actor=x, commitment=commitment, reason="自分で差し戻す")
    message = str(rejecting.value)
    assert message.startswith("自分が提出した債務負担行為は差し戻せません（職務分掌）。") and "取り下げ" in message
    assert Commitment.objects.get(pk=commitment.pk).status == Status.SUBMITTED

    approval.commitment_withdraw(actor=x, commitment=commitment)  # what he does instead
    approval.commitment_submit(actor=org.officer2, commitment=commitment)
    with pytest.raises(SegregationOfDutiesError, match="自分が起案した債務負担行為は承認できません（職務分掌）。"):
        approval.commitment_approve(actor=x, commitment=commitment)
    assert Commitment.objects.get(pk=commitment.pk).status == Status.SUBMITTED

    approval.commitment_approve(actor=org.approver, commitment=commitment, resolution="理事長決裁")
    approved = Commitment.objects.get(pk=commitment.pk)
    assert (approved.status, approved.submitted_by, approved.approved_by) == (
        Status.APPROVED,
        org.officer2,
        org.approver,
    )
    assert _authors(COMMITMENT, commitment.pk) == {"officer": "create", "officer2": "submit"}


@pytest.mark.django_db
def test_reproduced_commitment_rejected_by_another_approver_and_resubmitted(org):
    """The same trail with a proper rejection in the middle: the creator still never approves it."""
    x = org.officer
    commitment = _draft(org, x)
    approval.commitment_submit(actor=x, commitment=commitment)
    approval.commitment_reject(actor=org.approver, commitment=commitment, reason="年割額を確認してください")
    approval.commitment_submit(actor=org.officer2, commitment=commitment)
    with pytest.raises(SegregationOfDutiesError, match="自分が起案した債務負担行為は承認できません"):
        approval.commitment_approve(actor=x, commitment=commitment)
    with pytest.raises(SegregationOfDutiesError, match="差し戻せません（職務分掌）。提出者の取り下げか"):
        approval.commitment_reject(actor=x, commitment=commitment, reason="もう一度")
    assert Commitment.objects.get(pk=commitment.pk).status == Status.SUBMITTED


@pytest.mark.django_db
def test_an_officer_who_only_edited_a_draft_or_its_planned_amounts_never_approves_it(org):
    x = org.officer
    edited = _draft(org, org.officer2)
    approval.commitment_update_draft(
        actor=x, commitment=edited, expected_version=edited.version, matter="基幹系システム保守業務（修正）"
    )
    approval.commitment_submit(actor=org.officer2, commitment=edited)
    with pytest.raises(SegregationOfDutiesError, match="自分が編集した債務負担行為は承認できません"):
        approval.commitment_approve(actor=x, commitment=edited)

    planned = _draft(org, org.officer2)
    planning.planned_amounts_set(
        actor=x, commitment=planned, amounts={2017: 6_000_000, 2018: 3_000_000, 2019: 3_000_000}
    )
    approval.commitment_submit(actor=org.officer2, commitment=planned)
    with pytest.raises(SegregationOfDutiesError, match="自分が編集した債務負担行為は承認できません"):
        approval.commitment_approve(actor=x, commitment=planned)

    filled = _draft(org, org.officer2)
    planning.planned_amounts_fill(actor=x, commitment=filled, rule="equal")
    approval.commitment_submit(actor=org.officer2, commitment=filled)
    with pytest.raises(SegregationOfDutiesError):
        approval.commitment_approve(actor=x, commitment=filled)
    assert set(
        Commitment.objects.filter(pk__in=[edited.pk, planned.pk, filled.pk]).values_list("status", flat=True)
    ) == {Status.SUBMITTED}


@pytest.mark.django_db
def test_both_roles_who_only_approved_or_rejected_earlier_rounds_still_approve_later(org):
    x = org.officer
    commitment = _draft(org, org.officer2)
    approval.commitment_submit(actor=org.officer2, commitment=commitment)
    approval.commitment_reject(actor=x, commitment=commitment, reason="事項の表記を直してください")  # round 1
    approval.commitment_submit(actor=org.officer2, commitment=commitment)
    approval.commitment_approve(actor=x, commitment=commitment, resolution="理事長決裁")  # round 2
    assert Commitment.objects.get(pk=commitment.pk).approved_by == x

    amendment = amendments.amendment_create(
        actor=org.officer2, commitment=commitment, reason="延長", new_last_burden_fy=2020
    )
    amendments.amendment_submit(actor=org.officer2, amendment=amendment)
    amendments.amendment_reject(actor=x, amendment=amendment, reason="理由を詳しく")
    amendments.amendment_submit(actor=org.officer2, amendment=amendment)
    approved = amendments.amendment_approve(actor=x, amendment=amendment, resolution="理事長決裁")
    assert (approved.status, approved.approved_by) == (AmendmentStatus.APPROVED, x)
    assert x.username not in _authors(AMENDMENT, amendment.pk)


# ---------------------------------------------------------------------------------------------------------------
# Amendments


@pytest.mark.django_db
def test_reproduced_amendment_drafted_and_submitted_withdrawn_resubmitted_by_another(org):
    x = org.officer
    commitment = make_commitment(org)
    amendment = amendments.amendment_create(actor=x, commitment=commitment, reason="増額", new_limit_yen=12_000_000)
    amendments.amendment_submit(actor=x, amendment=amendment)
    with pytest.raises(SegregationOfDutiesError) as rejecting:
        amendments.amendment_reject(actor=x, amendment=amendment, reason="自分で差し戻す")
    assert str(rejecting.value).startswith("自分が提出した補正は差し戻せません（職務分掌）。")
    assert "取り下げ" in str(rejecting.value)

    amendments.amendment_withdraw(actor=x, amendment=amendment)
    amendments.amendment_submit(actor=org.officer2, amendment=amendment)
    with pytest.raises(SegregationOfDutiesError, match="自分が起案した補正は承認できません（職務分掌）。"):
        amendments.amendment_approve(actor=x, amendment=amendment)
    assert Amendment.objects.get(pk=amendment.pk).status == AmendmentStatus.SUBMITTED
    assert Commitment.objects.get(pk=commitment.pk).limit_yen == 10_000_000

    amendments.amendment_approve(actor=org.approver, amendment=amendment)
    assert Commitment.objects.get(pk=commitment.pk).limit_yen == 12_000_000
    assert _authors(AMENDMENT, amendment.pk) == {"officer": "create", "officer2": "submit"}


@pytest.mark.django_db
def test_an_officer_who_only_edited_a_draft_amendment_never_approves_it(org):
    x = org.officer
    commitment = make_commitment(org)
    amendment = amendments.amendment_create(
        actor=org.officer2, commitment=commitment, reason="増額", new_limit_yen=11_000_000
    )
    amendments.amendment_update_draft(
        actor=x, amendment=amendment, expected_version=amendment.version, new_limit_yen=12_000_000
    )
    amendments.amendment_submit(actor=org.officer2, amendment=amendment)
    with pytest.raises(SegregationOfDutiesError, match="自分が編集した補正は承認できません"):
        amendments.amendment_approve(actor=x, amendment=amendment)
    assert Amendment.objects.get(pk=amendment.pk).status == AmendmentStatus.SUBMITTED


# ---------------------------------------------------------------------------------------------------------------
# Budget-table uploads (予算書の取込) and the bulk import


def _upload(o, actor) -> ImportJob:
    return jobs.import_job_upload(
        actor=actor,
        organization=o.organization,
        file_name=R8.name,
        data=R8.read_bytes(),
        options={"budget_year": "令和8年度", "segment": "general"},
    )


@pytest.mark.django_db
def test_reproduced_import_job_uploader_and_any_recorded_author_never_approve(org):
    x = org.officer
    job = _upload(org, x)
    jobs.import_job_submit(actor=x, job=job)
    assert _authors(IMPORT_JOB, job.pk) == {"officer": "upload"}
    with pytest.raises(SegregationOfDutiesError, match="自分が取り込んだファイルは承認できません（職務分掌）。"):
        jobs.import_job_approve(actor=x, job=job)

    # The trail, not the uploader column, decides: an approver recorded as having taken part is refused too.
    workflow.authorship_record(kind=IMPORT_JOB, item_id=job.pk, actor=org.approver, action="edit")
    with pytest.raises(SegregationOfDutiesError, match="自分が編集したファイルは承認できません"):
        jobs.import_job_approve(actor=org.approver, job=job)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.SUBMITTED


@pytest.mark.django_db
def test_the_bulk_import_records_the_officer_as_author_of_every_commitment_in_one_statement(org):
    job = _upload(org, org.officer2)
    jobs.import_job_submit(actor=org.officer2, job=job)
    with CaptureQueriesContext(connection) as queries:
        done = jobs.import_job_approve(actor=org.approver, job=job)
    assert done.status == ImportJobStatus.DONE
    created = list(Commitment.objects.filter(organization=org.organization).values_list("pk", flat=True))
    assert len(created) == 33
    recorded = Authorship.objects.filter(item_kind=COMMITMENT, item_id__in=created)
    assert set(recorded.values_list("item_id", "user_id", "first_action")) == {
        (pk, org.officer2.pk, "import") for pk in created
    }
    inserts = [q["sql"] for q in queries.captured_queries if 'INSERT INTO "commitments_authorship"' in q["sql"]]
    assert len(inserts) == 1, inserts


# ---------------------------------------------------------------------------------------------------------------
# The record itself


@pytest.mark.django_db
def test_authorship_record_is_idempotent_and_keeps_the_first_action(org):
    commitment = _draft(org, org.officer2)
    for action in ("edit", "submit", "create"):
        workflow.authorship_record(kind=COMMITMENT, item_id=commitment.pk, actor=org.officer2, action=action)
    assert _authors(COMMITMENT, commitment.pk) == {"officer2": "create"}
    assert Authorship.objects.filter(item_kind=COMMITMENT, item_id=commitment.pk).count() == 1


@pytest.mark.django_db
def test_the_database_still_refuses_an_approver_who_is_the_submitter(org):
    from django.db import IntegrityError, transaction

    commitment = _draft(org, org.officer)
    approval.commitment_submit(actor=org.officer, commitment=commitment)
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(status=Status.APPROVED, approved_by=org.officer)
