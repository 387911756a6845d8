"""Exceptions an auditor or manager should look at: authority nearly used up or about to lapse, contracts ending
soon, limits written as words, projections not yet caught up. One query per section, whatever the data size.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from commitments import fiscal
from commitments.models import APPROVED_STATES, Commitment, Contract, ContractStatus, Organization
from commitments.selectors.projection_inputs import LIVE_STATES

DEFAULT_DAYS = 60
MAX_DAYS = 3660
_ORDER = ("authorized_fy", "seq", "id")


@dataclass(frozen=True)
class ExceptionColumn:
    """One column of a section: label and kind (text, amount, integer, percent, date), as in exports.Column."""

    label: str
    kind: str = "text"


@dataclass
class ExceptionRow:
    """One line of a section: the commitment it links to and its cells (amounts in yen)."""

    commitment_id: int
    matter: str
    cells: list[Any]


@dataclass
class ExceptionSection:
    """One kind of exception with its rows."""

    key: str
    title: str
    note: str
    columns: list[ExceptionColumn]
    rows: list[ExceptionRow] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many rows the section has."""
        return len(self.rows)

    @property
    def table(self) -> list[tuple[ExceptionRow, list[tuple[str, Any]]]]:
        """Rows with (kind, value) cells for display; an amount column holding words (a text limit) is text."""
        return [
            (
                row,
                [
                    ("matter" if c is _MATTER else "text" if isinstance(v, str) else c.kind, v)
                    for c, v in zip(self.columns, row.cells, strict=True)
                ],
            )
            for row in self.rows
        ]


@dataclass
class ExceptionsReport:
    """All sections for one organization as of one day."""

    organization: Organization
    today: datetime.date
    days: int
    warn_percent: int
    sections: list[ExceptionSection]
    as_of: datetime.date | None = None  # set when read from the books of a past (or future) day

    @property
    def total(self) -> int:
        """Rows over all sections."""
        return sum(s.count for s in self.sections)

    def section(self, key: str) -> ExceptionSection:
        """The section with this key."""
        return next(s for s in self.sections if s.key == key)


_SEQ = ExceptionColumn(gettext_noop("番号"), "integer")
_MATTER = ExceptionColumn(gettext_noop("事項"))
_AUTHORIZED = ExceptionColumn(gettext_noop("行為年度"))
_STATUS = ExceptionColumn(gettext_noop("状態"))
_LIMIT = ExceptionColumn(gettext_noop("限度額"), "amount")
_CONTRACTED = ExceptionColumn(gettext_noop("契約額"), "amount")
_HEAD = [_SEQ, _MATTER, _AUTHORIZED, _STATUS]  # the cells of `_head`


def _limit_cell(c: Commitment) -> Any:
    return c.limit_yen if c.limit_yen is not None else c.limit_text


def _head(c: Commitment) -> list[Any]:
    return [c.seq, c.matter, fiscal.format_fiscal_year(c.authorized_fy), c.get_status_display()]


def _percent(part: int, whole: int) -> Decimal:
    """part / whole in percent, rounded down to 0.1."""
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def _contracted() -> Any:
    return Coalesce(Sum("contracts__amount_yen"), Value(0))


def _open_for_contracts(fy: int) -> Q:
    """Contracts may still be signed in `fy`: the 行為年度 (or the deadline an amendment set) is not over."""
    return Q(contract_until_fy__gte=fy) | Q(contract_until_fy__isnull=True, authorized_fy__gte=fy)


def near_limit_section(percent: int) -> ExceptionSection:
    """The heading and columns of the near-the-limit section (rows: `near_limit_row`)."""
    return ExceptionSection(
        key="near_limit",
        title=_("契約額が限度額の%(percent)s%%以上") % {"percent": percent},
        note=_("契約締結期限が過ぎていない債務負担行為で、契約額の合計が限度額に近いもの（残りの契約余地が少ない）。"),
        columns=[
            *_HEAD,
            _LIMIT,
            _CONTRACTED,
            ExceptionColumn(gettext_noop("割合（%）"), "percent"),
            ExceptionColumn(gettext_noop("残額"), "amount"),
            ExceptionColumn(gettext_noop("契約締結期限")),
        ],
    )


def near_limit_row(c: Commitment) -> ExceptionRow:
    """One commitment near its limit (`c.contracted`: its contracts' total)."""
    return ExceptionRow(
        c.pk,
        c.matter,
        [
            *_head(c),
            c.limit_yen,
            c.contracted,  # type: ignore[attr-defined]
            _percent(c.contracted, c.limit_yen),  # type: ignore[attr-defined,arg-type]
            c.limit_yen - c.contracted,  # type: ignore[attr-defined,operator]
            fiscal.format_fiscal_year(c.contract_deadline_fy),
        ],
    )


def _near_limit(organization: Organization, today: datetime.date, percent: int) -> ExceptionSection:
    section = near_limit_section(percent)
    qs = (
        Commitment.objects.filter(
            _open_for_contracts(fiscal.fiscal_year_of(today)),
            organization=organization,
            status__in=LIVE_STATES,
            limit_yen__isnull=False,
        )
        .annotate(contracted=_contracted())
        .annotate(contracted_100=F("contracted") * 100)
        .filter(contracted_100__gte=F("limit_yen") * percent)
        .order_by(*_ORDER)
    )
    section.rows.extend(near_limit_row(c) for c in qs)
    return section


def lapsing_section(today: datetime.date, days: int) -> tuple[ExceptionSection, datetime.date, int]:
    """The heading and columns of the lapsing section, the day the year's authority lapses and the days left."""
    fy = fiscal.fiscal_year_of(today)
    lapses_on = fiscal.fiscal_year_end(fy)
    left = (lapses_on - today).days
    section = ExceptionSection(
        key="lapsing",
        title=_("%(days)s日以内に失効する未契約の権限") % {"days": days},
        note=_(
            "契約締結期限が%(fy)sで、未契約または一部のみ契約のもの。%(date)s（あと%(left)s日）で未契約分は失効します。"
        )
        % {
            "fy": fiscal.format_fiscal_year(fy),
            "date": date_format(lapses_on),
            "left": left,
        },
        columns=[
            *_HEAD,
            _LIMIT,
            _CONTRACTED,
            ExceptionColumn(gettext_noop("未契約残額"), "amount"),
            ExceptionColumn(gettext_noop("失効日"), "date"),
            ExceptionColumn(gettext_noop("残日数"), "integer"),
        ],
    )
    return section, lapses_on, left


def lapsing_row(c: Commitment, lapses_on: datetime.date, left: int) -> ExceptionRow:
    """One commitment whose uncontracted authority lapses (`c.contracted`: its contracts' total)."""
    contracted = c.contracted  # type: ignore[attr-defined]
    remaining = max(c.exposure_limit_yen - contracted, 0) if c.exposure_limit_yen else None
    return ExceptionRow(c.pk, c.matter, [*_head(c), _limit_cell(c), contracted, remaining, lapses_on, left])


def _lapsing(organization: Organization, today: datetime.date, days: int) -> ExceptionSection:
    section, lapses_on, left = lapsing_section(today, days)
    if left > days:
        return section
    fy = fiscal.fiscal_year_of(today)
    deadline = Q(contract_until_fy=fy) | Q(contract_until_fy__isnull=True, authorized_fy=fy)
    qs = (
        Commitment.objects.filter(deadline, organization=organization, status__in=LIVE_STATES)
        .annotate(contracted=_contracted())
        .filter(
            Q(limit_yen__isnull=False, contracted__lt=F("limit_yen"))
            | Q(limit_yen__isnull=True, estimated_limit_yen__isnull=False, contracted__lt=F("estimated_limit_yen"))
            | Q(limit_yen__isnull=True, contracted=0)
        )
        .order_by(*_ORDER)
    )
    section.rows.extend(lapsing_row(c, lapses_on, left) for c in qs)
    return section


def contracts_ending_section(today: datetime.date, days: int) -> ExceptionSection:
    """The heading and columns of the contracts-ending section (rows: `contract_ending_row`)."""
    until = today + datetime.timedelta(days=days)
    return ExceptionSection(
        key="contracts_ending",
        title=_("%(days)s日以内に契約期間が終わる契約") % {"days": days},
        note=_("契約期間の終了日が%(start)sから%(end)sまでの契約（更新・後継契約の確認）。")
        % {"start": date_format(today), "end": date_format(until)},
        columns=[
            ExceptionColumn(gettext_noop("契約番号")),
            ExceptionColumn(gettext_noop("契約相手方")),
            _MATTER,
            ExceptionColumn(gettext_noop("契約期間（終了）"), "date"),
            ExceptionColumn(gettext_noop("残日数"), "integer"),
            ExceptionColumn(gettext_noop("契約金額"), "amount"),
        ],
    )


def contract_ending_row(k: Contract, matter: str, today: datetime.date) -> ExceptionRow:
    """One contract ending soon, under the commitment of that 事項."""
    cells = [k.contract_no, k.counterparty, matter, k.end_on, (k.end_on - today).days, k.amount_yen]
    return ExceptionRow(k.commitment_id, matter, cells)


def _contracts_ending(organization: Organization, today: datetime.date, days: int) -> ExceptionSection:
    section = contracts_ending_section(today, days)
    until = today + datetime.timedelta(days=days)
    qs = (
        Contract.objects.filter(
            organization=organization,
            commitment__status__in=APPROVED_STATES,
            status=ContractStatus.ACTIVE,  # a cancelled contract ends nothing
            end_on__gte=today,
            end_on__lte=until,
        )
        .select_related("commitment")
        .order_by("end_on", "contract_no", "id")
    )
    section.rows.extend(contract_ending_row(k, k.commitment.matter, today) for k in qs)
    return section


def text_limits_section() -> ExceptionSection:
    """The heading and columns of the text-limit section (rows: `text_limit_row`)."""
    return ExceptionSection(
        key="text_limits",
        title=_("限度額が文言のもの"),
        note=_("金額で定めていない限度額。見込額があれば負担額の集計に含め、調書の合計には含めません。"),
        columns=[
            *_HEAD,
            ExceptionColumn(gettext_noop("限度額（文言）")),
            ExceptionColumn(gettext_noop("見込額"), "amount"),
            ExceptionColumn(gettext_noop("負担年度")),
        ],
    )


def text_limit_row(c: Commitment) -> ExceptionRow:
    """One commitment whose limit is words."""
    span = fiscal.format_span(c.first_burden_fy, c.last_burden_fy)
    return ExceptionRow(c.pk, c.matter, [*_head(c), c.limit_text, c.estimated_limit_yen, span])


def _text_limits(organization: Organization, today: datetime.date) -> ExceptionSection:
    section = text_limits_section()
    qs = Commitment.objects.filter(
        organization=organization,
        status__in=APPROVED_STATES,
        limit_yen__isnull=True,
        last_burden_fy__gte=fiscal.fiscal_year_of(today),
    ).order_by(*_ORDER)
    section.rows.extend(text_limit_row(c) for c in qs)
    return section


def stale_section() -> ExceptionSection:
    """The heading and columns of the stale-projection section."""
    return ExceptionSection(
        key="stale",
        title=_("推計が未更新のもの"),
        note=_("最新の変更がまだ年度別推計に反映されていないもの（通常は数分で反映。残る場合は夜間処理を確認）。"),
        columns=[*_HEAD, ExceptionColumn(gettext_noop("最終更新"))],
    )


def _stale(organization: Organization) -> ExceptionSection:
    section = stale_section()
    qs = Commitment.objects.filter(
        organization=organization, status__in=APPROVED_STATES, needs_projection=True
    ).order_by(*_ORDER)
    for c in qs:
        section.rows.append(
            ExceptionRow(c.pk, c.matter, [*_head(c), timezone.localtime(c.updated_at).strftime("%Y-%m-%d %H:%M")])
        )
    return section


def sections_today(organization: Organization, today: datetime.date, days: int, percent: int) -> list[ExceptionSection]:
    """Every exception section from the stored books of today (five queries)."""
    return [
        _near_limit(organization, today, percent),
        _lapsing(organization, today, days),
        _contracts_ending(organization, today, days),
        _text_limits(organization, today),
        _stale(organization),
    ]
