"""Checks and records shared by every service: who may act, and the audit trail entry."""

from __future__ import annotations

from django.utils.translation import gettext as _

from commitments.models import Commitment, CommitmentEvent, Organization, User
from commitments.models.scoping import may_act_for
from commitments.services.errors import PermissionDeniedError


def require(actor: User, perm: str, organization: Organization | int | None) -> None:
    """Refuse unless the active actor holds `commitments.<perm>` and belongs to the organization."""
    if organization is None:
        raise PermissionDeniedError(_("団体を指定してください。"))
    organization_id = organization if isinstance(organization, int) else organization.pk
    if not actor.is_active or not actor.has_perm(f"commitments.{perm}"):
        raise PermissionDeniedError()
    if not may_act_for(actor, organization_id):
        raise PermissionDeniedError(_("他の団体のデータは操作できません。"))


def record_event(commitment: Commitment, actor: User, action: str, before: str = "", note: str = "") -> CommitmentEvent:
    """Append one step to the commitment's trail (same transaction as the change it records)."""
    return CommitmentEvent.objects.create(
        commitment=commitment, actor=actor, action=action, from_status=before, to_status=commitment.status, note=note
    )


def lock_commitment(commitment_id: int) -> Commitment:
    """Take the commitment's row lock: every write that touches its money is serialised on it.

    Only the commitment's row (`of=("self",)`): without it the joined organization row was locked too, and every
    write of one organization waited for every other.
    """
    return Commitment.objects.select_for_update(of=("self",)).select_related("organization").get(pk=commitment_id)
