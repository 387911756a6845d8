"""Inlines on the commitment page: 年割額 (editable for explicit drafts), contracts, amendments, the trail."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from commitments import fiscal
from commitments.admin.base import badge, day, yen
from commitments.forms import FiscalYearField, YenField
from commitments.models import (
    Amendment,
    Commitment,
    CommitmentEvent,
    Contract,
    ContractChange,
    ContractStatus,
    PlannedAmount,
    SpreadRule,
    Status,
)


class ReadOnlyInline(admin.TabularInline):
    """An inline that only shows rows; changes happen through the services elsewhere."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PlannedAmountForm(forms.ModelForm):
    """One year's 年割額, typed as 令和8年度 / 2026 and 1,234,000 (円)."""

    fiscal_year = FiscalYearField(label=_("年度"))
    amount_yen = YenField(label=_("年割額（円）"), allow_zero=True)

    class Meta:
        model = PlannedAmount
        fields = ["fiscal_year", "amount_yen"]


class PlannedAmountInline(admin.TabularInline):
    """The 年割額 rows; typed in only for a draft whose rule is explicit, otherwise computed and shown."""

    model = PlannedAmount
    form = PlannedAmountForm
    extra = 0
    verbose_name_plural = _("年割額（年度ごとの支出予定額）")

    def _editable(self, obj: Commitment | None) -> bool:
        return obj is not None and obj.status == Status.DRAFT and obj.spread_rule == SpreadRule.EXPLICIT

    def get_extra(self, request: HttpRequest, obj: Commitment | None = None, **kwargs: Any) -> int:
        if not self._editable(obj):
            return 0
        return max(0, obj.last_burden_fy - obj.first_burden_fy + 1 - obj.planned_amounts.count())  # type: ignore[union-attr]

    def get_fields(self, request: HttpRequest, obj: Commitment | None = None) -> list[str]:
        return ["fiscal_year", "amount_yen"] if self._editable(obj) else ["year_display", "amount_display"]

    def get_readonly_fields(self, request: HttpRequest, obj: Commitment | None = None) -> list[str]:
        return [] if self._editable(obj) else ["year_display", "amount_display"]

    @admin.display(description=_("年度"))
    def year_display(self, obj: PlannedAmount) -> str:
        return f"{fiscal.format_fiscal_year(obj.fiscal_year)}（{obj.fiscal_year}）"

    @admin.display(description=_("年割額（円）"))
    def amount_display(self, obj: PlannedAmount) -> str:
        return yen(obj.amount_yen)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


class ContractSummaryInline(ReadOnlyInline):
    model = Contract
    fk_name = "commitment"
    fields = ["contract_link", "counterparty", "signed_on", "period", "amount", "paid", "payment_terms", "state"]
    readonly_fields = fields
    verbose_name_plural = _("契約")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contract]:
        return super().get_queryset(request).annotate(paid_total=Coalesce(Sum("payments__amount_yen"), 0))

    @admin.display(description=_("契約番号"))
    def contract_link(self, obj: Contract) -> str:
        url = reverse("admin:commitments_contract_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.contract_no)

    @admin.display(description=_("契約期間"))
    def period(self, obj: Contract) -> str:
        return f"{day(obj.start_on)}〜{day(obj.end_on)}"

    @admin.display(description=_("契約金額（円）"))
    def amount(self, obj: Contract) -> str:
        return yen(obj.amount_yen)

    @admin.display(description=_("支出済（円）"))
    def paid(self, obj: Contract) -> str:
        return yen(getattr(obj, "paid_total", 0))

    @admin.display(description=_("契約の状態"))
    def state(self, obj: Contract) -> str:
        return contract_state(obj)


def contract_state(contract: Contract) -> str:
    """契約中, or 解除（2027-01-15）."""
    if contract.status == ContractStatus.CANCELLED and contract.cancelled_on:
        return f"{contract.get_status_display()}（{day(contract.cancelled_on)}）"
    return str(contract.get_status_display())


def contract_changes_table(contract: Contract) -> SafeString:
    """The 変更契約 and 契約解除 entries of a contract as a table: when, what, why, amount before → after, who."""
    entries = ContractChange.objects.filter(contract=contract).select_related("actor").order_by("created_at", "id")
    rows = format_html_join(
        "",
        '<tr><td>{}</td><td>{}</td><td>{}</td><td class="num">{} → {}</td><td>{}</td></tr>',
        (
            (
                day(e.changed_on),
                e.get_kind_display(),
                e.reason,
                yen(e.before.get("amount_yen")),
                yen(e.after.get("amount_yen")),
                str(e.actor),
            )
            for e in entries
        ),
    )
    if not rows:
        return format_html("{}", _("変更・解除の記録はありません。"))
    return format_html(
        '<table class="contract-changes"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>'
        "</thead><tbody>{}</tbody></table>",
        _("変更日"),
        _("種類"),
        _("理由"),
        _("契約金額（円）"),
        _("登録者"),
        rows,
    )


class AmendmentSummaryInline(ReadOnlyInline):
    model = Amendment
    fk_name = "commitment"
    fields = ["number", "reason", "status_badge", "approved_at", "resolution", "change"]
    readonly_fields = fields
    verbose_name_plural = _("補正")

    @admin.display(description=_("状態"))
    def status_badge(self, obj: Amendment) -> str:
        return badge(obj.status, obj.get_status_display())

    @admin.display(description=_("変更内容"))
    def change(self, obj: Amendment) -> str:
        parts = []
        if obj.abolish:
            parts.append(str(_("廃止")))
        if obj.new_limit_yen is not None:
            parts.append(_("限度額 %(amount)s千円") % {"amount": fiscal.format_amount(obj.new_limit_yen)})
        if obj.new_first_burden_fy or obj.new_last_burden_fy:
            parts.append(f"{_('期間')} {obj.new_first_burden_fy or '…'}–{obj.new_last_burden_fy or '…'}")
        if obj.new_contract_until_fy:
            parts.append(f"{_('契約締結期限')} {fiscal.format_fiscal_year(obj.new_contract_until_fy)}")
        if obj.new_matter:
            parts.append(f"{_('事項')}「{obj.new_matter}」")
        return "、".join(parts)


class CommitmentEventInline(ReadOnlyInline):
    model = CommitmentEvent
    show_change_link = False
    fields = ["at", "actor", "step", "states", "note"]
    readonly_fields = fields
    verbose_name_plural = _("承認・変更の記録")

    @admin.display(description=_("操作"))
    def step(self, obj: CommitmentEvent) -> str:
        return obj.action_label

    @admin.display(description=_("状態"))
    def states(self, obj: CommitmentEvent) -> str:
        return f"{obj.from_label or '—'} → {obj.to_label}"
