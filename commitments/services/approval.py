"""Entry and approval of commitments: create, edit drafts, submit, approve, reject, withdraw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import rules
from commitments.models import (
    Commitment,
    CommitmentEvent,
    Organization,
    PlannedAmount,
    Segment,
    Status,
    User,
    WorkflowItemKind,
)
from commitments.services import planning, workflow
from commitments.services import projection as projection_services
from commitments.services.common import record_event, require
from commitments.services.errors import (
    ConcurrentUpdateError,
    InvalidTransitionError,
    PermissionDeniedError,
    ServiceError,
)

KIND = WorkflowItemKind.COMMITMENT

# The status machine as data: action -> (allowed from-states, to-state).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({Status.DRAFT}), Status.SUBMITTED),
    "withdraw": (frozenset({Status.SUBMITTED}), Status.DRAFT),
    "reject": (frozenset({Status.SUBMITTED}), Status.DRAFT),
    "approve": (frozenset({Status.SUBMITTED}), Status.APPROVED),
}

EDITABLE_FIELDS = frozenset(
    {
        "segment",
        "seq",
        "matter",
        "limit_yen",
        "limit_text",
        "estimated_limit_yen",
        "authorized_fy",
        "first_burden_fy",
        "last_burden_fy",
        "spread_rule",
        "spread_start_month",
        "spread_months",
        "kind",
    }
)


def _validate(fields: dict[str, Any], organization: Organization) -> None:
    """Refuse fields that break a rule of commitments.rules (the first one found), or another organization's segment."""
    problems = rules.commitment_problems(fields)
    if problems:
        raise ServiceError(problems[0].message)
    segment = fields["segment"]
    if isinstance(segment, Segment) and segment.organization_id != organization.pk:
        raise ServiceError(_("事業区分が団体と一致しません。"))


@transaction.atomic
def commitment_create(*, actor: User, organization: Organization, **fields: Any) -> Commitment:
    """Enter a new commitment as a draft."""
    require(actor, "add_commitment", organization)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    _validate(fields, organization)
    commitment = Commitment(organization=organization, created_by=actor, status=Status.DRAFT, **fields)
    commitment._history_user = actor  # type: ignore[attr-defined]
    commitment.save()
    planning.planned_sync(actor=actor, commitment=commitment)
    record_event(commitment, actor, "create", "")
    workflow.authorship_record(kind=KIND, item_id=commitment.pk, actor=actor, action="create")
    return commitment


@transaction.atomic
def commitment_update_draft(*, actor: User, commitment: Commitment, expected_version: int, **fields: Any) -> Commitment:
    """Change a draft; refused when someone saved it since `expected_version` was read."""
    require(actor, "change_commitment", commitment.organization)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if locked.status != Status.DRAFT:
        raise InvalidTransitionError(_("承認手続中または承認済の債務負担行為は直接変更できません。"))
    if locked.version != expected_version:
        raise ConcurrentUpdateError()
    merged = {name: getattr(locked, name) for name in EDITABLE_FIELDS} | fields
    _validate(merged, locked.organization)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.version += 1
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.save()
    planning.planned_sync(actor=actor, commitment=locked)
    workflow.authorship_record(kind=KIND, item_id=locked.pk, actor=actor, action="edit")
    return locked


def _transition(
    actor: User,
    commitment: Commitment,
    action: str,
    note: str = "",
    guard: Callable[[Commitment], None] | None = None,
    **extra: Any,
) -> Commitment:
    """Move a commitment along TRANSITIONS under a row lock, recording the step; `guard` checks the locked row."""
    allowed_from, to_status = TRANSITIONS[action]
    locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if guard is not None:
        guard(locked)
    if locked.status not in allowed_from:
        raise InvalidTransitionError(
            _("「%(status)s」の債務負担行為には実行できません。") % {"status": locked.get_status_display()}
        )
    before = locked.status
    locked.status = to_status
    for name, value in extra.items():
        setattr(locked, name, value)
    locked.version += 1
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.save()
    record_event(locked, actor, action, before, note)
    return locked


@transaction.atomic
def commitment_submit(*, actor: User, commitment: Commitment) -> Commitment:
    """Send a draft for approval."""
    require(actor, "submit_commitment", commitment.organization)
    submitted = _transition(
        actor,
        commitment,
        "submit",
        guard=planning.planned_check,
        submitted_by=actor,
        submitted_at=timezone.now(),
        rejection_reason="",
    )
    workflow.authorship_record(kind=KIND, item_id=submitted.pk, actor=actor, action="submit")
    return submitted


@transaction.atomic
def commitment_withdraw(*, actor: User, commitment: Commitment) -> Commitment:
    """Take a submission back to draft (only its submitter)."""
    require(actor, "submit_commitment", commitment.organization)

    def own_submission(locked: Commitment) -> None:
        if locked.status == Status.SUBMITTED and locked.submitted_by_id != actor.pk:
            raise PermissionDeniedError(_("取り下げできるのは提出者だけです。"))

    return _transition(actor, commitment, "withdraw", guard=own_submission)


@transaction.atomic
def commitment_reject(*, actor: User, commitment: Commitment, reason: str) -> Commitment:
    """Send a submission back to its officer with a reason (never one's own trail: its submitter withdraws it)."""
    require(actor, "approve_commitment", commitment.organization)
    if not reason.strip():
        raise ServiceError(_("差戻し理由を入力してください。"))

    def not_an_author(locked: Commitment) -> None:
        workflow.segregation_check(kind=KIND, item_id=locked.pk, actor=actor, rejecting=True)

    return _transition(actor, commitment, "reject", note=reason, guard=not_an_author, rejection_reason=reason)


@transaction.atomic
def commitment_approve(*, actor: User, commitment: Commitment, resolution: str = "") -> Commitment:
    """Approve a submission (never by anyone who drafted, edited or submitted it) and queue its projection."""
    require(actor, "approve_commitment", commitment.organization)

    def not_an_author(locked: Commitment) -> None:
        workflow.segregation_check(kind=KIND, item_id=locked.pk, actor=actor)

    approved = _transition(
        actor,
        commitment,
        "approve",
        note=resolution,
        guard=not_an_author,
        approved_by=actor,
        approved_at=timezone.now(),
        resolution=resolution,
        needs_projection=True,
    )
    projection_services.projection_request(commitment_id=approved.pk)
    return approved


@transaction.atomic
def commitment_delete_draft(*, actor: User, commitment: Commitment) -> None:
    """Delete a draft that was never submitted for approval; its history keeps the deletion."""
    require(actor, "delete_commitment", commitment.organization)
    locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if locked.status != Status.DRAFT or locked.submitted_by_id is not None:
        raise InvalidTransitionError(_("提出されたことのない起案中の債務負担行為だけを削除できます。"))
    CommitmentEvent.objects.filter(commitment=locked).delete()
    for row in PlannedAmount.objects.filter(commitment=locked):
        row._history_user = actor  # type: ignore[attr-defined]
        row.delete()
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.delete()
