"""The year-end transitions of one commitment: authority not exercised by its deadline lapses (失効), an active one
keeps only its contracts, fully paid ones complete; each status change is a step of the commitment workflow
(`services.workflow`). The year-end close of an organization (`services.closing`) applies them;
`commitments_rollover` catches every organization's books up to today (load_demo)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as stored

from commitments import fiscal
from commitments.deadline import contract_deadline_passed
from commitments.models import Commitment, CommitmentEvent, Contract, Payment, Status, User
from commitments.services import projection as projection_services
from commitments.services import workflow
from commitments.services.common import lock_commitment, record_event
from commitments.services.dates import day
from commitments.services.errors import ServiceError

SYSTEM_USERNAME = "system"
# Trail entries saying the uncontracted remainder of an active commitment has lapsed: recorded at the close, or when a
# contract entered late (出納整理期間) brought a lapsed commitment back with only that contract.
REMAINDER_CLOSED_ACTIONS = ("lapse_remainder", "late_contract")


@dataclass
class RolloverResult:
    """What one rollover changed (commitment ids)."""

    lapsed: list[int] = field(default_factory=list)
    completed: list[int] = field(default_factory=list)
    closed_remainder: list[int] = field(default_factory=list)


def system_user() -> User:
    """The actor of scheduled jobs in the trail: inactive, no password, no organization, no role."""
    user, _created = User.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_active": False, "last_name": "システム（定時処理）"}
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def is_system_user(user: User) -> bool:
    """True for the actor of scheduled jobs: nobody can log in as it (inactive, no usable password)."""
    return user.username == SYSTEM_USERNAME and not user.is_active and not user.has_usable_password()


def _due(as_of_fy: int) -> Q:
    """Candidates whose contract deadline (行為年度, or as extended) ended before `as_of_fy`.

    The SQL form of `deadline.contract_deadline_passed`, used only to pick rows; each is decided by that rule.
    """
    return Q(contract_until_fy__lt=as_of_fy) | Q(contract_until_fy__isnull=True, authorized_fy__lt=as_of_fy)


def _contracted(commitment: Commitment) -> int:
    return Contract.objects.filter(commitment=commitment).aggregate(t=Coalesce(Sum("amount_yen"), 0))["t"]


def _paid(commitment: Commitment) -> int:
    return Payment.objects.filter(contract__commitment=commitment).aggregate(t=Coalesce(Sum("amount_yen"), 0))["t"]


def money(commitment: Commitment) -> tuple[int, int]:
    """What is contracted under the commitment and what was paid (net of reversals), in yen."""
    return _contracted(commitment), _paid(commitment)


def is_done(commitment: Commitment, *, contracted: int, paid: int, on: date) -> bool:
    """An active commitment is done once everything contracted is paid and no authority is left to contract on `on`."""
    authority_left = (
        commitment.limit_yen is not None
        and contracted < commitment.limit_yen
        and not contract_deadline_passed(commitment, on)
    )
    return commitment.status == Status.ACTIVE and bool(contracted) and paid == contracted and not authority_left


def remainder_closed(commitment: Commitment) -> bool:
    """True once the trail records that the commitment's uncontracted remainder lapsed."""
    return CommitmentEvent.objects.filter(commitment=commitment, action__in=REMAINDER_CLOSED_ACTIONS).exists()


def remainder_to_close(commitment: Commitment, contracted: int, *, recorded: bool | None = None) -> int:
    """What of an active commitment's authority lapses at the close: the limit not contracted, unless the trail
    already records it (`recorded`, else looked up)."""
    remainder = max(commitment.exposure_limit_yen - contracted, 0)
    if not remainder:
        return 0
    return 0 if (remainder_closed(commitment) if recorded is None else recorded) else remainder


def commitment_complete_if_done(*, commitment: Commitment, actor: User, on: date | None = None) -> bool:
    """Active → completed once everything contracted is paid and no authority is left to contract on `on` (today).

    The caller holds the commitment's row lock and queues its projection. Returns True when it completed.
    """
    if commitment.status != Status.ACTIVE:
        return False
    contracted, paid = money(commitment)
    if not is_done(commitment, contracted=contracted, paid=paid, on=on or timezone.localdate()):
        return False
    workflow.transition(commitment, "complete", actor=actor, locked=True)
    return True


@transaction.atomic
def commitment_lapse(*, actor: User, commitment_id: int, as_of: date) -> bool:
    """Approved authority with no contract whose deadline has passed becomes lapsed (失効). Idempotent."""
    locked = lock_commitment(commitment_id)
    if locked.status != Status.APPROVED or not contract_deadline_passed(locked, as_of):
        return False
    if Contract.objects.filter(commitment=locked).exists():
        return False
    workflow.transition(
        locked,
        "lapse",
        actor=actor,
        locked=True,
        note=stored("%(fy)s末までに契約がなく失効") % {"fy": fiscal.format_fiscal_year(locked.contract_deadline_fy)},
        history_reason=stored("行為年度の終了による失効"),
    )
    projection_services.projection_request(commitment_id=locked.pk)
    return True


@transaction.atomic
def commitment_close_authority(*, actor: User, commitment_id: int, as_of: date) -> str:
    """After the deadline an active commitment keeps only its contracts: record the lapsed remainder, or complete it.

    Returns "completed", "closed" (remainder recorded) or "" (nothing to do; idempotent).
    """
    locked = lock_commitment(commitment_id)
    if locked.status != Status.ACTIVE or not contract_deadline_passed(locked, as_of):
        return ""
    if commitment_complete_if_done(commitment=locked, actor=actor, on=as_of):
        projection_services.projection_request(commitment_id=locked.pk)
        return "completed"
    contracted = _contracted(locked)
    remainder = remainder_to_close(locked, contracted)
    if not remainder:
        return ""
    record_event(
        locked,
        actor,
        "lapse_remainder",
        locked.status,
        note=stored("未契約の限度額 %(yen)s円 は失効（契約済 %(contracted)s円 のみ存続）")
        % {
            "yen": fiscal.format_amount(remainder, unit="円"),
            "contracted": fiscal.format_amount(contracted, unit="円"),
        },
    )
    Commitment.objects.filter(pk=locked.pk).update(needs_projection=True, updated_at=timezone.now())
    projection_services.projection_request(commitment_id=locked.pk)
    return "closed"


def commitments_due(
    *, as_of: date, organization_id: int | None = None
) -> tuple[QuerySet[Commitment], QuerySet[Commitment]]:
    """The approved commitments without a contract to lapse by `as_of`, and the active ones to close (id order)."""
    as_of_fy = fiscal.fiscal_year_of(as_of)
    scope = Commitment.objects.filter(_due(as_of_fy))
    if organization_id is not None:
        scope = scope.filter(organization_id=organization_id)
    has_contract = Exists(Contract.objects.filter(commitment=OuterRef("pk")))
    to_lapse = scope.filter(status=Status.APPROVED).annotate(contracted=has_contract).filter(contracted=False)
    return to_lapse.order_by("pk"), scope.filter(status=Status.ACTIVE).order_by("pk")


def commitments_rollover(*, as_of: date | None = None) -> RolloverResult:
    """Catch every organization's books up to `as_of` (default today, never later): expired authority lapses.

    Each commitment is handled in its own transaction under its row lock, so a rerun or an overlapping run
    changes nothing twice. The scheduled year-end is the recorded close of each organization (`services.closing`);
    this serves load_demo, which loads past budgets. A date after today is refused: it would lapse live authority.
    """
    today = timezone.localdate()
    as_of = as_of or today
    if as_of > today:
        raise ServiceError(
            _("基準日 %(date)s は今日（%(today)s）より後です。将来の日付で失効させることはできません。")
            % {"date": day(as_of), "today": day(today)}
        )
    actor = system_user()
    result = RolloverResult()
    to_lapse, to_close = commitments_due(as_of=as_of)
    for pk in to_lapse.values_list("pk", flat=True).iterator(chunk_size=2000):
        if commitment_lapse(actor=actor, commitment_id=pk, as_of=as_of):
            result.lapsed.append(pk)
    for pk in to_close.values_list("pk", flat=True).iterator(chunk_size=2000):
        outcome = commitment_close_authority(actor=actor, commitment_id=pk, as_of=as_of)
        if outcome == "completed":
            result.completed.append(pk)
        elif outcome == "closed":
            result.closed_remainder.append(pk)
    return result
