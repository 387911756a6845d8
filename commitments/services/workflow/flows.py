"""The workflows as data: commitments (approval and life cycle), amendments (補正), budget-table uploads (取込) and
fiscal frames (財政見通し).

Every status change of these items is one `transition(item, action, actor=...)`: the step's permission, segregation of
duties, the legal source states and the trail are read from here, never written again in a service.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as stored

from commitments.models import (
    Amendment,
    AmendmentStatus,
    Commitment,
    FiscalFrame,
    FrameStatus,
    ImportJob,
    ImportJobStatus,
    Status,
    User,
    WorkflowItemKind,
)
from commitments.services.common import lock_commitment, record_event
from commitments.services.workflow.machine import (
    NOT_THE_SUBMITTER,
    Step,
    Workflow,
    apply,
    create_draft,
    delete_draft,
    edit_draft,
)

PROJECT = {"needs_projection": True}  # every change of a commitment's authority or money is projected again
AMENDABLE_STATES = frozenset({Status.APPROVED, Status.ACTIVE})  # what an amendment (補正) may change


SUBMITTED_BY = ("submitted_by", "submitted_at")
APPROVED_BY = ("approved_by", "approved_at")
STARTED_BY = ("approver", "started_at")  # an upload's approver starts the import


def _approval_steps(
    states: Any, name: str, approved_sets: Mapping[str, Any], *, resolution: str = "resolution"
) -> dict[str, Step]:
    """Draft → submitted → approved; back to draft by withdrawal (only its submitter) or rejection (with a reason).

    `name` names the permissions (submit_<name>, approve_<name>); nobody who created, edited or submitted the item
    approves or rejects it. `resolution`: the field keeping the approval's note ("" for an item that keeps none).
    """
    draft, submitted = frozenset({states.DRAFT}), frozenset({states.SUBMITTED})
    submit, approve = f"submit_{name}", f"approve_{name}"
    return {
        "submit": Step(
            draft, states.SUBMITTED, submit, authorship="submit", stamp=SUBMITTED_BY, sets={"rejection_reason": ""}
        ),
        "withdraw": Step(submitted, states.DRAFT, submit, submitter_only=NOT_THE_SUBMITTER),
        "reject": Step(
            submitted, states.DRAFT, approve, segregation="reject", needs_reason=True, note_field="rejection_reason"
        ),
        "approve": Step(
            submitted,
            states.APPROVED,
            approve,
            segregation="approve",
            stamp=APPROVED_BY,
            note_field=resolution,
            sets=approved_sets,
        ),
    }


def _commitment_event(commitment: Commitment, actor: User, action: str, before: str, note: str) -> None:
    record_event(commitment, actor, action, before, note)


COMMITMENT_FLOW = Workflow(
    kind=WorkflowItemKind.COMMITMENT,
    model=Commitment,
    submitter_field="submitted_by_id",
    refused=gettext_lazy("「%(status)s」の債務負担行為には実行できません。"),
    lock=lambda commitment: lock_commitment(commitment.pk),
    trail=_commitment_event,
    not_editable=gettext_lazy("承認手続中または承認済の債務負担行為は直接変更できません。"),
    not_deletable=gettext_lazy("提出されたことのない起案中の債務負担行為だけを削除できます。"),
    delete_unsubmitted_only=True,
    steps={
        **_approval_steps(Status, "commitment", PROJECT),
        # Life cycle: each follows from a write whose service checked the actor (a contract, a payment, the close).
        "contract": Step(frozenset({Status.APPROVED, Status.ACTIVE}), Status.ACTIVE, sets=PROJECT),
        # A contract entered after the year-end close undoes the lapse for its amount (出納整理期間, a reopening).
        "late_contract": Step(frozenset({Status.APPROVED, Status.ACTIVE, Status.LAPSED}), Status.ACTIVE, sets=PROJECT),
        "complete": Step(frozenset({Status.ACTIVE}), Status.COMPLETED, sets=PROJECT),
        # A payment reversed on a completed commitment leaves something unpaid: it is active (契約済) again.
        "reopen": Step(frozenset({Status.COMPLETED}), Status.ACTIVE, sets=PROJECT),
        "lapse": Step(frozenset({Status.APPROVED}), Status.LAPSED, sets=PROJECT),
        # An approved amendment (補正) applied: the commitment takes its values, or is abolished (廃止).
        "amend": Step(AMENDABLE_STATES, None, sets=PROJECT),
        "abolish": Step(AMENDABLE_STATES, Status.ABOLISHED, sets=PROJECT, event="amend"),
    },
)


def _lock_amendment(amendment: Amendment) -> Amendment:
    """The commitment's row lock first (as every write on its money), then the amendment's."""
    commitment = lock_commitment(amendment.commitment_id)
    locked = Amendment.objects.select_for_update().get(pk=amendment.pk)
    locked.commitment = commitment
    return locked


def amendment_label(amendment: Amendment) -> str:
    """The amendment as the commitment's trail names it (stored untranslated: 補正第N号)."""
    return stored("補正第%(n)d号") % {"n": amendment.number}


def _amendment_event(amendment: Amendment, actor: User, action: str, before: str, note: str) -> None:
    """An amendment's steps are written on its commitment's trail (the commitment's state before and after)."""
    commitment = amendment.commitment
    record_event(commitment, actor, action, commitment.status, note=f"{amendment_label(amendment)} {note}".strip())


AMENDMENT_FLOW = Workflow(
    kind=WorkflowItemKind.AMENDMENT,
    model=Amendment,
    submitter_field="submitted_by_id",
    refused=gettext_lazy("「%(status)s」の補正には実行できません。"),
    lock=_lock_amendment,
    trail=_amendment_event,
    not_editable=gettext_lazy("起案中の補正だけ変更できます。"),
    not_deletable=gettext_lazy("起案中（差戻し・取下げ後を含む）の補正だけを削除できます。"),
    event_prefix="amendment_",
    steps=_approval_steps(AmendmentStatus, "amendment", {}),
)


SUBMITTED_JOB = frozenset({ImportJobStatus.SUBMITTED})
IMPORT_JOB_FLOW = Workflow(
    kind=WorkflowItemKind.IMPORT_JOB,
    model=ImportJob,
    submitter_field="uploaded_by_id",
    refused=gettext_lazy("「%(status)s」の取込には実行できません。"),
    lock=lambda job: ImportJob.objects.select_for_update().defer("content").get(pk=job.pk),
    trail=None,  # an upload's trail is its own row (uploader, approver, times, attempts) and its authorship
    versioned=False,
    save_fields_only=True,
    steps={
        "submit": Step(
            frozenset({ImportJobStatus.PREVIEWED}),
            ImportJobStatus.SUBMITTED,
            "submit_commitment",
            submitter_only=gettext_lazy("承認を依頼できるのは取込担当者だけです。"),
            authorship="submit",
        ),
        "withdraw": Step(
            frozenset({ImportJobStatus.PREVIEWED, ImportJobStatus.SUBMITTED}),
            ImportJobStatus.WITHDRAWN,
            "add_commitment",
            submitter_only=gettext_lazy("取り下げできるのは取込担当者だけです。"),
        ),
        # Approval starts the import (queued for a worker); the run's own states are the worker's (`jobs`).
        "approve": Step(
            SUBMITTED_JOB, ImportJobStatus.QUEUED, "approve_commitment", segregation="approve", stamp=STARTED_BY
        ),
        "retry": Step(
            frozenset({ImportJobStatus.FAILED}),
            ImportJobStatus.QUEUED,
            "approve_commitment",
            segregation="approve",
            stamp=STARTED_BY,
            refused=gettext_lazy("再実行できるのは「失敗」の取込だけです。"),
        ),
    },
)

# A frame keeps no resolution; the revision it replaces is kept as 改定済 by its approval (services.frames), and no
# step leads back from 改定済.
FRAME_FLOW = Workflow(
    kind=WorkflowItemKind.FISCAL_FRAME,
    model=FiscalFrame,
    submitter_field="submitted_by_id",
    refused=gettext_lazy("「%(status)s」の財政見通しには実行できません。"),
    lock=lambda frame: FiscalFrame.objects.select_for_update().get(pk=frame.pk),
    trail=None,  # a frame's trail is its history rows and its authorship
    not_editable=gettext_lazy("承認待ち・承認済の財政見通しは変更できません（改定は新しく起案します）。"),
    not_deletable=gettext_lazy("提出されたことのない起案中の財政見通しだけを削除できます。"),
    delete_unsubmitted_only=True,
    steps=_approval_steps(FrameStatus, "fiscalframe", {}, resolution=""),
)

WORKFLOWS: dict[type[Model], Workflow] = {
    flow.model: flow for flow in (COMMITMENT_FLOW, AMENDMENT_FLOW, IMPORT_JOB_FLOW, FRAME_FLOW)
}


def workflow_for(item: Model | type[Model]) -> Workflow:
    """The workflow of an item (or of a model)."""
    return WORKFLOWS[item if isinstance(item, type) else type(item)]


def transition(item: Model, action: str, *, actor: User, **options: Any) -> Any:
    """Take the workflow step `action` on `item` (see `machine.apply` for the options and the order of checks)."""
    return apply(workflow_for(item), item, action, actor=actor, **options)


def draft_create(model: type[Model], *, actor: User, organization: Any, **options: Any) -> Any:
    """Enter a new draft of any workflow (see `machine.create_draft`)."""
    return create_draft(workflow_for(model), actor=actor, organization=organization, **options)


def draft_edit(item: Model, *, actor: User, expected_version: int, **options: Any) -> Any:
    """Change a draft of any workflow (see `machine.edit_draft`)."""
    return edit_draft(workflow_for(item), item, actor=actor, expected_version=expected_version, **options)


def draft_delete(item: Model, *, actor: User, cleanup: Any) -> None:
    """Delete a draft of any workflow (see `machine.delete_draft`)."""
    delete_draft(workflow_for(item), item, actor=actor, cleanup=cleanup)
