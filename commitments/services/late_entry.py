"""Late entry after the year-end close: a contract signed by its commitment's deadline is still entered until the
出納整理期間 ends (31 May), or until an approver's reopening (再開) ends. The dates are `commitments.deadline`'s;
`contract_rules.contract_check` asks these for every new contract."""

from __future__ import annotations

from datetime import date

from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as stored

from commitments import fiscal
from commitments.deadline import contract_deadline_passed, date_label, late_entry_end, late_entry_until
from commitments.models import Commitment, CommitmentReopening, Contract, FiscalYearClose, Status
from commitments.selectors import wareki_day
from commitments.services.errors import InvalidTransitionError


def year_closed(commitment: Commitment) -> bool:
    """True once the year of the commitment's deadline was closed: it lapsed, or its organization closed that year."""
    return (
        commitment.status == Status.LAPSED
        or FiscalYearClose.objects.filter(
            organization_id=commitment.organization_id, fiscal_year__gte=commitment.contract_deadline_fy
        ).exists()
    )


def reopened_until(commitment: Commitment) -> date | None:
    """The last day of the latest approver's reopening (再開) of the commitment, if any."""
    return CommitmentReopening.objects.filter(commitment_id=commitment.pk).aggregate(until=Max("until"))["until"]


def is_late_entry(commitment: Commitment, today: date) -> bool:
    """A new contract entered today is a late entry: the deadline passed and the year-end close has been run."""
    return contract_deadline_passed(commitment, today) and year_closed(commitment)


def check_late_entry(commitment: Commitment, today: date) -> None:
    """After the close a contract signed in time is entered until 31 May (出納整理期間), or a reopening's last day."""
    reopened = reopened_until(commitment)
    until = late_entry_until(commitment, reopened)
    if today <= until:
        return
    if until == late_entry_end(commitment):
        message = _(
            "年度末処理後の契約登録は出納整理期間の末日（%(until)s）までです。"
            "登録するには承認者が債務負担行為を「再開」してください。"
        )
    else:
        message = _(
            "年度末処理後の契約登録は再開の受付期限（%(until)s）までです。"
            "登録するには承認者が債務負担行為を改めて「再開」してください。"
        )
    raise InvalidTransitionError(message % {"until": date_label(until)})


def late_entry_note(commitment: Commitment, contract: Contract, contracted: int) -> str:
    """The trail note of a late entry: the contract, the lapse it undoes, what of the authority stays lapsed."""
    rest = max(commitment.exposure_limit_yen - contracted, 0)
    return stored(
        "%(no)s %(counterparty)s %(amount)s円（%(signed)s締結）。"
        "失効した限度額のうち %(amount)s円 を取消し、未契約の %(rest)s円 は失効のまま"
    ) % {
        "no": contract.contract_no,
        "counterparty": contract.counterparty,
        "amount": fiscal.format_amount(contract.amount_yen, unit="円"),
        "signed": wareki_day(contract.signed_on),
        "rest": fiscal.format_amount(rest, unit="円"),
    }
