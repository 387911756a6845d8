"""Reads of one commitment's record for auditors: its parts and the full change history, before and after."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Model, Prefetch, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from commitments import fiscal, projection
from commitments.models import (
    Amendment,
    Commitment,
    CommitmentEvent,
    Contract,
    ContractChange,
    Installment,
    Payment,
    PlannedAmount,
    ProjectionYear,
)
from commitments.selectors.as_of import day_label

# Bookkeeping columns that say nothing about the business record.
_IGNORED = {
    "before",
    "after",
    "id",
    "version",
    "needs_projection",
    "updated_at",
    "created_at",
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
    "history_user_id",
}
_TYPES = {"+": gettext_noop("作成"), "~": gettext_noop("変更"), "-": gettext_noop("削除")}


@dataclass
class Change:
    """One field's value before and after."""

    field: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    """One saved version of one record: who, when, what kind of change, and which fields changed."""

    at: datetime
    user: str
    what: str
    record: str
    kind: str
    changes: list[Change] = field(default_factory=list)
    reason: str = ""


@dataclass
class CommitmentRecord:
    """Everything an auditor reads about one commitment."""

    commitment: Commitment
    planned: list[PlannedAmount]
    contracts: list[Contract]
    projection: list[ProjectionYear]
    amendments: list[tuple[Amendment, list[Change]]]
    events: list[CommitmentEvent]
    history: list[HistoryEntry]
    as_of: date | None = None  # set when the record is the books of a past (or future) day

    @property
    def over_planned(self) -> list[projection.PlannedExceedance]:
        """The years whose contract installments exceed the 年割額 shown (`projection.planned_exceedances`)."""
        due = projection.due_by_fiscal_year(
            projection.Installment(due_on=i.due_on, amount_yen=i.amount_yen)
            for k in self.contracts
            for i in k.installment_list  # type: ignore[attr-defined]
        )
        return projection.planned_exceedances(planned={p.fiscal_year: p.amount_yen for p in self.planned}, due=due)


def _display(model: type[Model], name: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("はい") if value else _("いいえ")
    if isinstance(value, datetime):  # the page's one style of date, as its 基準日 (令和8年12月3日)
        moment = timezone.localtime(value)
        return f"{day_label(moment.date())} {moment:%H:%M}"
    if isinstance(value, date):
        return day_label(value)
    if name.endswith("_yen") and isinstance(value, int):
        return _("%(amount)s円") % {"amount": fiscal.format_amount(value, unit="円")}
    if name.endswith("_fy") or name == "fiscal_year":
        return f"{fiscal.format_fiscal_year(int(value))}（{value}）"
    try:
        model_field = model._meta.get_field(name)
    except Exception:
        return str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)


def _related_names(history: QuerySet[Any], fields: list[Any]) -> dict[tuple[str, Any], str]:
    """Names of the users, segments, contracts … that the versions point to, fetched once per field."""
    names: dict[tuple[str, Any], str] = {}
    for model_field in fields:
        if not model_field.is_relation:
            continue
        ids = {i for i in history.values_list(model_field.attname, flat=True) if i is not None}
        for obj in model_field.related_model._default_manager.filter(pk__in=ids):
            names[(model_field.name, obj.pk)] = str(obj)
    return names


def amendment_changes(amendment: Amendment) -> list[Change]:
    """What an approved amendment changed on its commitment, field by field."""
    changes = []
    for name, after in (amendment.after or {}).items():
        before = (amendment.before or {}).get(name)
        if before != after:
            label = str(Commitment._meta.get_field(name).verbose_name)
            changes.append(Change(label, _display(Commitment, name, before), _display(Commitment, name, after)))
    return changes


def _record_label(model: type[Model], version: Any, commitment: Commitment) -> str:
    """How a version names its record, without a query: simple-history's `instance` re-reads excluded fields (the
    commitment's) and an amendment's name reads its commitment, once per version."""
    values = {
        f.attname: getattr(version, f.attname) for f in model._meta.concrete_fields if hasattr(version, f.attname)
    }
    instance = model(**values)
    if getattr(instance, "commitment_id", None) == commitment.pk:
        instance.commitment = commitment  # type: ignore[attr-defined]
    return str(instance)


def _entries(history: QuerySet[Any], model: type[Model], what: str, commitment: Commitment) -> list[HistoryEntry]:
    """Versions of one model's records in time order, each compared with the version before it."""
    fields = [f for f in model._meta.concrete_fields if f.attname not in _IGNORED and f.name not in _IGNORED]
    names = _related_names(history, fields)
    previous: dict[int, Any] = {}
    entries: list[HistoryEntry] = []
    for version in history.select_related("history_user").order_by("history_date", "history_id"):
        before = previous.get(version.id)
        changes = []
        for model_field in fields:
            new = getattr(version, model_field.attname)
            old = getattr(before, model_field.attname) if before is not None else None
            if before is None and version.history_type == "+" and new in (None, "", {}):
                continue
            if before is None or old != new:
                label = str(model_field.verbose_name)
                name = model_field.name
                if model_field.is_relation:
                    old, new = names.get((name, old), old), names.get((name, new), new)
                changes.append(Change(label, _display(model, name, old) if before else "", _display(model, name, new)))
        if version.history_type == "-":
            changes = []
        entries.append(
            HistoryEntry(
                at=version.history_date,
                user=str(version.history_user or "—"),
                what=what,
                record=_record_label(model, version, commitment) if version.history_type != "-" else f"#{version.id}",
                kind=_(_TYPES.get(version.history_type, version.history_type)),
                changes=changes,
                reason=version.history_change_reason or "",
            )
        )
        previous[version.id] = version
    return entries


def _schedule_entries(history: QuerySet[Any]) -> list[HistoryEntry]:
    """Schedule rows are written dozens at a time (a 5-year monthly lease has 60): one entry per batch."""
    contracts = {c.pk: str(c) for c in Contract.objects.filter(pk__in=history.values("contract_id"))}
    entries: list[HistoryEntry] = []
    batch: list[Any] = []

    def close() -> None:
        if not batch:
            return
        first = batch[0]
        total = sum(v.amount_yen for v in batch)
        years = sorted({v.fiscal_year for v in batch})
        entries.append(
            HistoryEntry(
                at=first.history_date,
                user=str(first.history_user or "—"),
                what=_("支払予定"),
                record=contracts.get(first.contract_id, f"#{first.contract_id}"),
                kind=_(_TYPES.get(first.history_type, first.history_type)),
                changes=[
                    Change(_("件数"), "", ngettext("%(n)d件", "%(n)d件", len(batch)) % {"n": len(batch)}),
                    Change(_("合計"), "", _("%(amount)s円") % {"amount": fiscal.format_amount(total, unit="円")}),
                    Change(_("年度"), "", fiscal.format_span(years[0], years[-1])),
                ],
            )
        )
        batch.clear()

    for version in history.select_related("history_user").order_by("history_date", "history_id"):
        if batch and (
            (version.contract_id, version.history_type, version.history_user_id)
            != (batch[0].contract_id, batch[0].history_type, batch[0].history_user_id)
            or (version.history_date - batch[-1].history_date).total_seconds() > 2
        ):
            close()
        batch.append(version)
    close()
    return entries


def commitment_history(commitment: Commitment) -> list[HistoryEntry]:
    """Every saved version of the commitment and of its 年割額, contracts, schedules, payments and amendments."""
    contract_ids = list(Contract.objects.filter(commitment=commitment).values_list("pk", flat=True))
    sources: list[tuple[QuerySet[Any], type[Model], str]] = [
        (Commitment.history.filter(id=commitment.pk), Commitment, _("債務負担行為")),
        (PlannedAmount.history.filter(commitment_id=commitment.pk), PlannedAmount, _("年割額")),
        (Contract.history.filter(commitment_id=commitment.pk), Contract, _("契約")),
        (Payment.history.filter(contract_id__in=contract_ids), Payment, _("支出実績")),
        (Amendment.history.filter(commitment_id=commitment.pk), Amendment, _("補正")),
    ]
    entries = [entry for qs, model, what in sources for entry in _entries(qs, model, what, commitment)]
    entries += _schedule_entries(Installment.history.filter(contract_id__in=contract_ids))
    return sorted(entries, key=lambda e: e.at)


def payment_lines(payments: list[Payment]) -> list[Payment]:
    """A contract's payments in date order, each followed by its reversals (戻入・取消, negative amounts)."""
    reversals: dict[int, list[Payment]] = defaultdict(list)
    originals: list[Payment] = []
    for payment in sorted(payments, key=lambda p: (p.paid_on, p.pk)):
        if payment.reverses_id is None:
            originals.append(payment)
        else:
            reversals[payment.reverses_id].append(payment)
    lines: list[Payment] = []
    for payment in originals:
        lines += [payment, *reversals.pop(payment.pk, [])]
    return lines + [r for rows in reversals.values() for r in rows]


def commitment_record(commitments: QuerySet[Commitment], pk: int) -> CommitmentRecord:
    """One commitment (from the reader's visible set) with all its parts; raises DoesNotExist outside it."""
    commitment = commitments.select_related("organization", "segment", "created_by", "submitted_by", "approved_by").get(
        pk=pk
    )
    contracts = list(
        Contract.objects.filter(commitment=commitment)
        .annotate(paid_total=Coalesce(Sum("payments__amount_yen"), 0))
        .prefetch_related(
            "installments",
            Prefetch("payments", queryset=Payment.objects.select_related("reverses")),
            Prefetch("changes", queryset=ContractChange.objects.select_related("actor").order_by("created_at", "id")),
        )
    )
    for contract in contracts:
        contract.payment_lines = payment_lines(list(contract.payments.all()))  # type: ignore[attr-defined]
        contract.installment_list = list(contract.installments.all())  # type: ignore[attr-defined]
        contract.change_list = list(contract.changes.all())  # type: ignore[attr-defined]
    return CommitmentRecord(
        commitment=commitment,
        planned=list(PlannedAmount.objects.filter(commitment=commitment).order_by("fiscal_year")),
        contracts=contracts,
        projection=list(ProjectionYear.objects.filter(commitment=commitment).order_by("fiscal_year")),
        amendments=[
            (amendment, amendment_changes(amendment))
            for amendment in Amendment.objects.filter(commitment=commitment).select_related(
                "submitted_by", "approved_by"
            )
        ],
        events=list(CommitmentEvent.objects.filter(commitment=commitment).select_related("actor")),
        history=commitment_history(commitment),
    )
