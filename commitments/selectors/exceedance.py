"""Contract installments above the 年割額: per commitment and fiscal year, the installments falling due in the year
against the year's 年割額 (the rule: `projection.planned_exceedances`). Read by the commitment page, the exceptions
list (today's books and a past day's) and so the report e-mail."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from commitments import fiscal
from commitments.models import APPROVED_STATES, Commitment, Installment, Organization, PlannedAmount
from commitments.projection import PlannedExceedance, due_by_fiscal_year, planned_exceedances
from commitments.selectors.books_as_of import BookCommitment
from commitments.selectors.exceptions import ExceptionColumn, ExceptionRow, ExceptionSection

_ORDER = ("authorized_fy", "seq", "id")


def over_planned_hint(exceedance: PlannedExceedance) -> str:
    """What the office has to do, with the excess to the yen: 年割額の補正が必要です（764,696円の超過）."""
    return _("年割額の補正が必要です（%(over)s円の超過）") % {"over": fiscal.format_amount(exceedance.over, unit="円")}


def over_planned_section(from_fy: int) -> ExceptionSection:
    """The heading and columns of the section of years whose installments exceed the 年割額 (from `from_fy` on)."""
    return ExceptionSection(
        key="over_planned",
        title=_("支払予定額が年割額を超える年度"),
        note=_(
            "契約の支払予定額（その年度に支払期日が来る分の合計）が、その年度の年割額を超えているもの（%(fy)s以降）。"
            "年割額の補正が必要です。"
        )
        % {"fy": fiscal.format_fiscal_year(from_fy)},
        columns=[
            ExceptionColumn(gettext_noop("番号"), "integer"),
            ExceptionColumn(gettext_noop("事項")),
            ExceptionColumn(gettext_noop("行為年度")),
            ExceptionColumn(gettext_noop("状態")),
            ExceptionColumn(gettext_noop("年度")),
            ExceptionColumn(gettext_noop("年割額"), "amount"),
            ExceptionColumn(gettext_noop("支払予定額"), "amount"),
            ExceptionColumn(gettext_noop("超過額"), "amount"),
            ExceptionColumn(gettext_noop("対応")),
        ],
    )


def over_planned_rows(c: Commitment, exceedances: Iterable[PlannedExceedance], from_fy: int) -> list[ExceptionRow]:
    """One row per year of `c` from `from_fy` on whose installments exceed its 年割額."""
    head = [c.seq, c.matter, fiscal.format_fiscal_year(c.authorized_fy), c.get_status_display()]
    return [
        ExceptionRow(
            c.pk,
            c.matter,
            [*head, fiscal.format_fiscal_year(e.fiscal_year), e.planned, e.due, e.over, over_planned_hint(e)],
        )
        for e in exceedances
        if e.fiscal_year >= from_fy
    ]


def over_planned(organization: Organization, from_fy: int) -> ExceptionSection:
    """The section from the stored books: approved commitments' 年割額 against their installments (three queries)."""
    section = over_planned_section(from_fy)
    due: Mapping[int, dict[int, int]] = defaultdict(dict)
    for commitment_id, fy, amount in (
        Installment.objects.filter(
            contract__commitment__organization=organization,
            contract__commitment__status__in=APPROVED_STATES,
            fiscal_year__gte=from_fy,
        )
        .order_by()
        .values_list("contract__commitment_id", "fiscal_year")
        .annotate(total=Sum("amount_yen"))
    ):
        due[commitment_id][fy] = amount
    if not due:
        return section
    planned: Mapping[int, dict[int, int]] = defaultdict(dict)
    for commitment_id, fy, amount in PlannedAmount.objects.filter(commitment_id__in=list(due)).values_list(
        "commitment_id", "fiscal_year", "amount_yen"
    ):
        planned[commitment_id][fy] = amount
    for c in Commitment.objects.filter(pk__in=list(due)).order_by(*_ORDER):
        found = planned_exceedances(planned=planned[c.pk], due=due[c.pk])
        section.rows.extend(over_planned_rows(c, found, from_fy))
    return section


def over_planned_of_books(books: Iterable[BookCommitment], from_fy: int) -> ExceptionSection:
    """The section from the books of another day: each approved commitment's 年割額 and contract schedules of then."""
    section = over_planned_section(from_fy)
    for book in books:
        c = book.commitment
        if c.status not in APPROVED_STATES:
            continue
        due = due_by_fiscal_year(i for k in book.contracts for i in k.flows().installments)
        section.rows.extend(over_planned_rows(c, planned_exceedances(planned=book.planned, due=due), from_fy))
    return section
