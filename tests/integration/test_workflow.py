"""The one workflow (services.workflow): commitments, amendments (補正), uploads and fiscal frames move through one
engine.

The segregation-of-duties rule refuses all four kinds from the same place; the life-cycle steps (contract, completion,
reopening after a reversal, lapse) leave the same trail as the people's steps (event, history row); a step the
machine does not allow from the item's state is refused with a Japanese message and changes nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from commitments.models import (
    Amendment,
    AmendmentStatus,
    Commitment,
    CommitmentEvent,
    FiscalFrame,
    FrameStatus,
    ImportJob,
    ImportJobStatus,
    Status,
)
from commitments.services import amendments, approval, frames, payments, workflow
from commitments.services.errors import InvalidTransitionError, SegregationOfDutiesError
from commitments.services.imports import jobs
from commitments.services.lifecycle import commitment_lapse, system_user
from commitments.services.payment_reversals import payment_reverse
from tests.support.factories import make_commitment, make_contract

R8 = Path(__file__).resolve().parents[2] / "commitments" / "data" / "fuji" / "fuji_R08_2026_dai2hyo_saimufutankoui.csv"


def _events(commitment: Commitment) -> list[tuple[str, str, str, str]]:
    rows = CommitmentEvent.objects.filter(commitment=commitment).order_by("id")
    return [(e.action, e.from_status, e.to_status, e.actor.username) for e in rows]


def _last_history(commitment: Commitment) -> tuple[str, str, str | None]:
    row = Commitment.history.filter(id=commitment.pk).order_by("-history_id").first()
    return row.status, row.history_user.username, row.history_change_reason


def _upload(o, actor) -> ImportJob:
    return jobs.import_job_upload(
        actor=actor,
        organization=o.organization,
        file_name=R8.name,
        data=R8.read_bytes(),
        options={"budget_year": "令和8年度", "segment": "general"},
    )


def test_every_kind_declares_its_approval_under_the_one_segregation_rule():
    """Approving steps of all four kinds ask segregation of duties; every person's step names a real permission."""
    for flow in (workflow.COMMITMENT_FLOW, workflow.AMENDMENT_FLOW, workflow.IMPORT_JOB_FLOW, workflow.FRAME_FLOW):
        assert flow.step("approve").segregation == "approve", flow.kind
    assert workflow.COMMITMENT_FLOW.step("reject").segregation == "reject"
    assert workflow.AMENDMENT_FLOW.step("reject").segregation == "reject"
    assert workflow.FRAME_FLOW.step("reject").segregation == "reject"
    assert workflow.FRAME_FLOW.allowed(FrameStatus.SUBMITTED) == ["withdraw", "reject", "approve"]
    assert workflow.FRAME_FLOW.allowed(FrameStatus.SUPERSEDED) == []
    assert workflow.IMPORT_JOB_FLOW.step("retry").segregation == "approve"
    assert workflow.COMMITMENT_FLOW.allowed(Status.SUBMITTED) == ["withdraw", "reject", "approve"]
    assert workflow.COMMITMENT_FLOW.allowed(Status.ACTIVE) == [
        "contract",
        "late_contract",
        "complete",
        "amend",
        "abolish",
    ]
    assert workflow.IMPORT_JOB_FLOW.allowed(ImportJobStatus.FAILED) == ["retry"]


@pytest.mark.django_db
def test_every_person_step_names_a_permission_the_database_holds():
    codenames = set(Permission.objects.filter(content_type__app_label="commitments").values_list("codename", flat=True))
    for flow in workflow.WORKFLOWS.values():
        for name, step in flow.steps.items():
            if step.segregation or step.submitter_only or step.authorship:
                assert step.permission in codenames, (flow.kind, name, step.permission)


@pytest.mark.django_db
def test_the_one_segregation_rule_refuses_the_submitter_of_every_kind(org):
    """`org.officer` holds both roles; he submits one item of each kind and may approve (or reject) none of them."""
    x = org.officer
    commitment = approval.commitment_create(
        actor=x,
        organization=org.organization,
        segment=org.segment,
        matter="基幹系システム保守業務",
        limit_yen=12_000_000,
        limit_text="",
        authorized_fy=2017,
        first_burden_fy=2017,
        last_burden_fy=2019,
    )
    approval.commitment_submit(actor=x, commitment=commitment)
    amendment = amendments.amendment_create(
        actor=x, commitment=make_commitment(org), reason="仕様の見直し", new_matter="庁舎清掃業務委託（変更）"
    )
    amendments.amendment_submit(actor=x, amendment=amendment)
    job = _upload(org, x)
    jobs.import_job_submit(actor=x, job=job)
    frame = frames.frame_create(actor=x, organization=org.organization, fiscal_year=2027, expenditure_yen=1_000_000)
    frames.frame_submit(actor=x, frame=frame)

    refusals = {}
    for item in (commitment, amendment, job, frame):
        with pytest.raises(SegregationOfDutiesError) as refused:
            workflow.transition(item, "approve", actor=x)
        refusals[type(item).__name__] = str(refused.value)
    assert refusals == {
        "Commitment": "自分が提出した債務負担行為は承認できません（職務分掌）。",
        "Amendment": "自分が提出した補正は承認できません（職務分掌）。",
        "ImportJob": "自分が取り込んだファイルは承認できません（職務分掌）。",
        "FiscalFrame": "自分が提出した財政見通しは承認できません（職務分掌）。",
    }
    with pytest.raises(SegregationOfDutiesError, match="自分が提出した補正は差し戻せません（職務分掌）。"):
        workflow.transition(amendment, "reject", actor=x, note="自分で差し戻す")
    with pytest.raises(SegregationOfDutiesError, match="自分が提出した財政見通しは差し戻せません（職務分掌）。"):
        frames.frame_reject(actor=x, frame=frame, reason="自分で差し戻す")
    assert Commitment.objects.get(pk=commitment.pk).status == Status.SUBMITTED
    assert Amendment.objects.get(pk=amendment.pk).status == AmendmentStatus.SUBMITTED
    assert ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.SUBMITTED
    assert FiscalFrame.objects.get(pk=frame.pk).status == FrameStatus.SUBMITTED


@pytest.mark.django_db
def test_life_cycle_steps_leave_the_trail_the_approval_steps_leave(org):
    """Contract → active, paid → completed, reversal → active again: each an event and a history row, version +1."""
    commitment = make_commitment(org, limit_yen=3_000_000)
    approved_version = commitment.version
    contract = make_contract(org, commitment, "K-1", 3_000_000)
    assert _last_history(commitment) == (Status.ACTIVE, "officer2", None)
    payments.payment_record(
        actor=org.officer2, contract=contract, paid_on=date(2017, 12, 28), amount_yen=1_000_000, reference="P-1"
    )
    paid = payments.payment_record(
        actor=org.officer2, contract=contract, paid_on=date(2018, 3, 30), amount_yen=2_000_000, reference="P-2"
    )
    assert _last_history(commitment) == (Status.COMPLETED, "officer2", None)
    payment_reverse(actor=org.officer2, payment=paid, amount_yen=500_000, reason="過払の返納")

    now = Commitment.objects.get(pk=commitment.pk)
    assert now.status == Status.ACTIVE
    assert now.version == approved_version + 3  # contract, complete, reopen
    assert _last_history(commitment) == (Status.ACTIVE, "officer2", None)
    assert _events(commitment) == [
        ("create", "", "draft", "officer2"),
        ("submit", "draft", "submitted", "officer2"),
        ("approve", "submitted", "approved", "approver"),
        ("contract", "approved", "active", "officer2"),
        ("complete", "active", "completed", "officer2"),
        ("payment_reverse", "completed", "completed", "officer2"),
        ("reopen", "completed", "active", "officer2"),
    ]


@pytest.mark.django_db
def test_a_lapse_is_a_step_of_the_system_actor_with_its_event_and_history(org):
    commitment = make_commitment(org)
    system = system_user()
    assert commitment_lapse(actor=system, commitment_id=commitment.pk, as_of=date(2018, 4, 1))

    lapsed = Commitment.objects.get(pk=commitment.pk)
    assert (lapsed.status, lapsed.version, lapsed.needs_projection) == (Status.LAPSED, commitment.version + 1, True)
    assert _events(commitment)[-1] == ("lapse", "approved", "lapsed", "system")
    assert CommitmentEvent.objects.filter(commitment=commitment).last().note == "平成29年度末までに契約がなく失効"
    assert _last_history(commitment) == (Status.LAPSED, "system", "行為年度の終了による失効")
    # Run again: the machine no longer allows it, and the year-end service says so by changing nothing.
    assert not commitment_lapse(actor=system, commitment_id=commitment.pk, as_of=date(2018, 4, 1))
    assert len(_events(commitment)) == 4


@pytest.mark.django_db
def test_illegal_transitions_are_refused_in_japanese_and_change_nothing(org):
    approved = make_commitment(org)
    draft = make_commitment(org, approve=False, matter="下書き")
    system = system_user()
    cases = [
        (approved, "submit", org.officer2, "「承認済」の債務負担行為には実行できません。"),
        (approved, "complete", system, "「承認済」の債務負担行為には実行できません。"),
        (draft, "lapse", system, "「起案中」の債務負担行為には実行できません。"),
        (draft, "reopen", system, "「起案中」の債務負担行為には実行できません。"),
    ]
    before = {c.pk: (_events(c), Commitment.objects.get(pk=c.pk).version) for c in (approved, draft)}
    for item, action, actor, message in cases:
        with pytest.raises(InvalidTransitionError) as refused:
            workflow.transition(item, action, actor=actor)
        assert str(refused.value) == message, (action, item.status)
    assert {c.pk: (_events(c), Commitment.objects.get(pk=c.pk).version) for c in (approved, draft)} == before

    job = _upload(org, org.officer2)
    with pytest.raises(InvalidTransitionError) as refused:
        jobs.import_job_approve(actor=org.approver, job=job)
    assert str(refused.value) == "「確認中」の取込には実行できません。"
    with pytest.raises(InvalidTransitionError) as refused:
        jobs.import_job_retry(actor=org.approver, job=job)
    assert str(refused.value) == "再実行できるのは「失敗」の取込だけです。"
    assert ImportJob.objects.get(pk=job.pk).approver is None

    with pytest.raises(ValueError, match="no workflow step 'archive'"):
        workflow.transition(approved, "archive", actor=org.approver)
