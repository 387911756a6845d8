"""Entry and approval of commitments: create, edit drafts; submit, approve, reject, withdraw as workflow steps.

The steps are atomic and row-locked by the workflow engine (`services.workflow`); these name them for callers.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from commitments import rules
from commitments.models import (
    Commitment,
    CommitmentEvent,
    Organization,
    PlannedAmount,
    Segment,
    User,
)
from commitments.services import planning, workflow
from commitments.services import projection as projection_services
from commitments.services.common import record_event
from commitments.services.errors import ServiceError

# What an officer enters on a draft: its segment, number and kind, and the fields the rules check.
EDITABLE_FIELDS = frozenset({"segment", "seq", "kind", *rules.DRAFT_RULE_FIELDS})


def _validate(fields: dict[str, Any], organization: Organization) -> None:
    """Refuse fields that break a rule of commitments.rules (the first one found), or another organization's segment."""
    problems = rules.commitment_problems(fields)
    if problems:
        raise ServiceError(problems[0].message)
    segment = fields["segment"]
    if isinstance(segment, Segment) and segment.organization_id != organization.pk:
        raise ServiceError(_("事業区分が団体と一致しません。"))


def _draft_check(row: Commitment, values: dict[str, Any]) -> None:
    """What a draft must satisfy, new or edited (`row`: the draft, `values`: its fields as they would be)."""
    _validate(values, row.organization)


@transaction.atomic
def commitment_create(*, actor: User, organization: Organization, **fields: Any) -> Commitment:
    """Enter a new commitment as a draft."""
    commitment = workflow.draft_create(
        Commitment,
        actor=actor,
        organization=organization,
        fields=fields,
        editable=EDITABLE_FIELDS,
        check=_draft_check,
    )
    planning.planned_sync(actor=actor, commitment=commitment)
    record_event(commitment, actor, "create", "")
    return commitment


@transaction.atomic
def commitment_update_draft(*, actor: User, commitment: Commitment, expected_version: int, **fields: Any) -> Commitment:
    """Change a draft; refused when someone saved it since `expected_version` was read."""
    updated = workflow.draft_edit(
        commitment,
        actor=actor,
        expected_version=expected_version,
        changes=fields,
        editable=EDITABLE_FIELDS,
        check=_draft_check,
    )
    planning.planned_sync(actor=actor, commitment=updated)
    return updated


def commitment_submit(*, actor: User, commitment: Commitment) -> Commitment:
    """Send a draft for approval (its 年割額 must sum to the limit)."""
    return workflow.transition(commitment, "submit", actor=actor, guard=planning.planned_check)


def commitment_withdraw(*, actor: User, commitment: Commitment) -> Commitment:
    """Take a submission back to draft (only its submitter)."""
    return workflow.transition(commitment, "withdraw", actor=actor)


def commitment_reject(*, actor: User, commitment: Commitment, reason: str) -> Commitment:
    """Send a submission back to its officer with a reason (never one's own trail: its submitter withdraws it)."""
    return workflow.transition(commitment, "reject", actor=actor, note=reason)


@transaction.atomic
def commitment_approve(*, actor: User, commitment: Commitment, resolution: str = "") -> Commitment:
    """Approve a submission (never by anyone who drafted, edited or submitted it) and queue its projection."""
    approved = workflow.transition(commitment, "approve", actor=actor, note=resolution)
    projection_services.projection_request(commitment_id=approved.pk)
    return approved


def _delete_belongings(commitment: Commitment, actor: User) -> None:
    """A never-submitted draft's creation event and 年割額 go with it (the 年割額's history keeps them)."""
    CommitmentEvent.objects.filter(commitment=commitment).delete()
    for row in PlannedAmount.objects.filter(commitment=commitment):
        row._history_user = actor  # type: ignore[attr-defined]
        row.delete()


def commitment_delete_draft(*, actor: User, commitment: Commitment) -> None:
    """Delete a draft that was never submitted for approval; its history keeps the deletion."""
    workflow.draft_delete(commitment, actor=actor, cleanup=lambda locked: _delete_belongings(locked, actor))
