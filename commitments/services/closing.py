"""The year-end close (年度末処理) of one organization's fiscal year, as a controlled event: previewed with amounts,
refused before 1 April of the next year, run once and recorded with who and when; and an approver's reopening of a
closed commitment for contracts signed in time but entered after the 出納整理期間."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as stored

from commitments import fiscal
from commitments.deadline import contract_deadline_passed, date_label, reopen_until
from commitments.models import (
    Commitment,
    CommitmentEvent,
    CommitmentReopening,
    Contract,
    FiscalYearClose,
    Organization,
    Payment,
    Status,
    User,
)
from commitments.services import lifecycle
from commitments.services.common import lock_commitment, record_event, require
from commitments.services.errors import InvalidTransitionError, ServiceError
from commitments.services.late_entry import year_closed

ACTIONS = ("lapsed", "completed", "closed_remainder")


@dataclass(frozen=True)
class CloseLine:
    """One commitment the close changes, with its amounts in yen (lapsed_yen: uncontracted authority that lapses)."""

    id: int
    seq: int | None
    matter: str
    authorized_fy: int
    deadline_fy: int
    limit_yen: int
    contracted_yen: int
    paid_yen: int
    lapsed_yen: int


@dataclass
class CloseOutcome:
    """What a close of one organization's year lapses and completes; `record` once written, `already` if it was."""

    organization: Organization
    fiscal_year: int
    lapsed: list[CloseLine] = field(default_factory=list)
    completed: list[CloseLine] = field(default_factory=list)
    closed_remainder: list[CloseLine] = field(default_factory=list)
    dry_run: bool = False
    already: bool = False
    record: FiscalYearClose | None = None

    @property
    def as_of(self) -> date:
        """The day the close applies the year end on: 1 April of the next fiscal year."""
        return close_opens_on(self.fiscal_year)

    @property
    def lapsed_yen(self) -> int:
        """Uncontracted authority lapsing in all (lapsed commitments, remainders, completed ones' rest)."""
        return sum(line.lapsed_yen for action in ACTIONS for line in getattr(self, action))

    def counts(self) -> dict[str, int]:
        """How many commitments each action touches, and the yen lapsing."""
        return {action: len(getattr(self, action)) for action in ACTIONS} | {"lapsed_yen": self.lapsed_yen}

    def as_result(self) -> dict[str, Any]:
        """The JSON kept on the close record."""
        return {
            "as_of": self.as_of.isoformat(),
            **{action: [asdict(line) for line in getattr(self, action)] for action in ACTIONS},
            "lapsed_yen": self.lapsed_yen,
        }

    def summary(self) -> str:
        """One line in Japanese: what the close does (dry run), did, or did before."""
        head = _("%(fy)s 年度末処理（%(organization)s）") % {
            "fy": fiscal.format_fiscal_year(self.fiscal_year),
            "organization": self.organization.name,
        }
        if self.already and self.record is not None:
            return head + "：" + already_closed_message(self.record)
        counts = _("失効 %(lapsed)d 件、完了 %(completed)d 件、未契約分の失効 %(closed)d 件（失効額 %(yen)s円）") % {
            "lapsed": len(self.lapsed),
            "completed": len(self.completed),
            "closed": len(self.closed_remainder),
            "yen": fiscal.format_amount(self.lapsed_yen, unit="円"),
        }
        tail = _("（確認のみ：何も書き込んでいません）") if self.dry_run else ""
        return f"{head}：{counts}{tail}"


def close_opens_on(fiscal_year: int) -> date:
    """The first day a fiscal year may be closed: 1 April of the next year (Asia/Tokyo)."""
    return fiscal.fiscal_year_start(fiscal_year + 1)


def already_closed_message(record: FiscalYearClose) -> str:
    """Who closed the year and when, for a second run that writes nothing."""
    at = timezone.localtime(record.closed_at)
    return _("%(fy)sは %(at)s に %(user)s が年度末処理を実施済みです。") % {
        "fy": fiscal.format_fiscal_year(record.fiscal_year),
        "at": f"{date_label(at.date())} {at:%H:%M}",
        "user": record.closed_by.get_full_name() or record.closed_by.get_username(),
    }


def _line(commitment: Any, *, lapsed_yen: int) -> CloseLine:
    return CloseLine(
        id=commitment.pk,
        seq=commitment.seq,
        matter=commitment.matter,
        authorized_fy=commitment.authorized_fy,
        deadline_fy=commitment.contract_deadline_fy,
        limit_yen=commitment.exposure_limit_yen,
        contracted_yen=commitment.contracted_yen,
        paid_yen=commitment.paid_yen,
        lapsed_yen=lapsed_yen,
    )


def _with_money(queryset: QuerySet[Commitment]) -> QuerySet[Commitment]:
    """The commitments with what is contracted and paid under them, and whether their remainder already lapsed."""
    contracted = Contract.objects.filter(commitment=OuterRef("pk")).order_by().values("commitment")
    paid = Payment.objects.filter(contract__commitment=OuterRef("pk")).order_by().values("contract__commitment")
    recorded = CommitmentEvent.objects.filter(commitment=OuterRef("pk"), action__in=lifecycle.REMAINDER_CLOSED_ACTIONS)
    return queryset.annotate(
        contracted_yen=Coalesce(Subquery(contracted.annotate(t=Sum("amount_yen")).values("t")), 0),
        paid_yen=Coalesce(Subquery(paid.annotate(t=Sum("amount_yen")).values("t")), 0),
        remainder_recorded=Exists(recorded),
    )


def _preview(organization: Organization, fiscal_year: int, *, lock: bool = False) -> CloseOutcome:
    """What the close would do now, decided by the lifecycle's own rules; `lock` takes the rows' locks first."""
    outcome = CloseOutcome(organization=organization, fiscal_year=fiscal_year)
    to_lapse, to_close = lifecycle.commitments_due(as_of=outcome.as_of, organization_id=organization.pk)
    if lock:  # in one id order, as every multi-row lock here; writers of contracts and payments lock the row first
        ids = [*to_lapse.values_list("pk", flat=True), *to_close.values_list("pk", flat=True)]
        locked = Commitment.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
        list(locked.values_list("pk", flat=True))
    for commitment in _with_money(to_lapse):
        outcome.lapsed.append(_line(commitment, lapsed_yen=commitment.exposure_limit_yen))
    for commitment in _with_money(to_close):
        remainder = lifecycle.remainder_to_close(
            commitment, commitment.contracted_yen, recorded=commitment.remainder_recorded
        )
        money = {"contracted": commitment.contracted_yen, "paid": commitment.paid_yen}
        if lifecycle.is_done(commitment, **money, on=outcome.as_of):
            outcome.completed.append(_line(commitment, lapsed_yen=remainder))
        elif remainder:
            outcome.closed_remainder.append(_line(commitment, lapsed_yen=remainder))
    return outcome


def recorded_outcome(record: FiscalYearClose) -> CloseOutcome:
    """A recorded close as an outcome: what it lapsed and completed then, with the amounts it recorded."""
    lines = {action: [CloseLine(**line) for line in record.result.get(action, [])] for action in ACTIONS}
    return CloseOutcome(
        organization=record.organization, fiscal_year=record.fiscal_year, already=True, record=record, **lines
    )


def _recorded(organization: Organization, fiscal_year: int) -> CloseOutcome | None:
    """The close already recorded for the organization and year, if any."""
    record = (
        FiscalYearClose.objects.select_related("closed_by", "organization")
        .filter(organization=organization, fiscal_year=fiscal_year)
        .first()
    )
    return None if record is None else recorded_outcome(record)


def _check_may_close(actor: User, organization: Organization, fiscal_year: int) -> None:
    """Approvers (and staff holding the permission) of the organization, or the system user of scheduled jobs; and
    never before the year has ended."""
    if not lifecycle.is_system_user(actor):
        require(actor, "close_fiscal_year", organization)
    today = timezone.localdate()
    opens = close_opens_on(fiscal_year)
    if today < opens:
        raise ServiceError(
            _("%(fy)sの年度末処理は %(opens)s から行えます（今日は %(today)s）。将来の年度は締められません。")
            % {
                "fy": fiscal.format_fiscal_year(fiscal_year),
                "opens": date_label(opens),
                "today": date_label(today),
            }
        )


def _lock_close(organization: Organization) -> None:
    """Serialise the closes of one organization until the transaction ends (two runs never both write)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext('fiscal_year_close'))", [organization.pk])


@transaction.atomic
def fiscal_year_close(
    *, actor: User, organization: Organization, fiscal_year: int, dry_run: bool = False
) -> CloseOutcome:
    """年度末処理 of one organization's fiscal year: what lapses and completes, and (unless dry_run) doing it, once.

    The commitments change through the lifecycle's own transitions (with their trail entries); the close is
    recorded in the same transaction with who ran it, when and what it changed. A second run writes nothing and
    returns the recorded close.
    """
    _check_may_close(actor, organization, fiscal_year)
    if dry_run:
        recorded = _recorded(organization, fiscal_year)
        if recorded is not None:
            return recorded
        preview = _preview(organization, fiscal_year)
        preview.dry_run = True
        return preview
    _lock_close(organization)
    done = _recorded(organization, fiscal_year)
    if done is not None:
        return done
    planned = _preview(organization, fiscal_year, lock=True)
    outcome = CloseOutcome(organization=organization, fiscal_year=fiscal_year)
    as_of = outcome.as_of
    for line in planned.lapsed:
        if lifecycle.commitment_lapse(actor=actor, commitment_id=line.id, as_of=as_of):
            outcome.lapsed.append(line)
    for line in [*planned.completed, *planned.closed_remainder]:
        done_as = lifecycle.commitment_close_authority(actor=actor, commitment_id=line.id, as_of=as_of)
        if done_as == "completed":
            outcome.completed.append(line)
        elif done_as == "closed":
            outcome.closed_remainder.append(line)
    outcome.record = FiscalYearClose.objects.create(
        organization=organization, fiscal_year=fiscal_year, closed_by=actor, result=outcome.as_result()
    )
    return outcome


def fiscal_years_close_due() -> dict[str, int]:
    """1 April: close the year just ended for every organization, as the system user; closed ones are left alone.

    Each organization is closed in its own transaction, so a retry after a failure resumes where it stopped.
    """
    fiscal_year = fiscal.fiscal_year_of(timezone.localdate()) - 1
    actor = lifecycle.system_user()
    totals = {"fiscal_year": fiscal_year, "closed": 0, "already": 0} | dict.fromkeys(ACTIONS, 0)
    for organization in Organization.objects.order_by("pk"):
        outcome = fiscal_year_close(actor=actor, organization=organization, fiscal_year=fiscal_year)
        totals["already" if outcome.already else "closed"] += 1
        if not outcome.already:
            for action in ACTIONS:
                totals[action] += len(getattr(outcome, action))
    return totals


@transaction.atomic
def commitment_reopen(*, actor: User, commitment: Commitment, reason: str) -> CommitmentReopening:
    """An approver reopens (再開) a closed commitment: contracts signed by its deadline are entered until REOPEN_DAYS
    from today (`deadline.reopen_until`), recorded in its history and trail."""
    require(actor, "approve_commitment", commitment.organization_id)
    text = (reason or "").strip()
    if not text:
        raise ServiceError(_("再開の理由を入力してください。"))
    locked = lock_commitment(commitment.pk)
    today = timezone.localdate()
    if locked.status not in (Status.LAPSED, Status.ACTIVE) or not contract_deadline_passed(locked, today):
        raise InvalidTransitionError(
            _("「%(status)s」の債務負担行為は再開できません（年度末処理で失効したものだけ）。")
            % {"status": locked.get_status_display()}
        )
    if not year_closed(locked):
        raise InvalidTransitionError(_("この債務負担行為の年度はまだ年度末処理をしていないため、再開は不要です。"))
    until = reopen_until(today)
    reopening = CommitmentReopening.objects.create(commitment=locked, reason=text, until=until, reopened_by=actor)
    note = stored("理由：%(reason)s。%(until)sまで契約締結期限内に締結した契約を登録できます") % {
        "reason": text,
        "until": date_label(until),
    }
    locked.version += 1
    locked._history_user = actor  # type: ignore[attr-defined]
    locked._change_reason = stored("再開（年度末処理後の契約登録）：%(note)s") % {"note": note}  # type: ignore[attr-defined]
    locked.save()
    record_event(locked, actor, "reopen_entry", locked.status, note=note)
    return reopening
