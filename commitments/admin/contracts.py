"""Contracts and their schedules in the admin (payments: admin.payments); every save goes through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from commitments.admin.base import (
    OrganizationScopedAdmin,
    ReadOnlyHistoryMixin,
    ServiceRefusalMixin,
    confirmation_page,
    fiscal_year_label,
    run_each,
    yen,
)
from commitments.admin.inlines import contract_changes_table, contract_state
from commitments.admin.payments import PaymentInline  # also registers the payment admin
from commitments.forms import ContractForm, InstallmentForm, InstallmentFormSet
from commitments.forms.contracts import ContractCancelForm
from commitments.models import Contract, ContractStatus, Installment, PaymentTerms, Status
from commitments.models.scoping import scoped
from commitments.services import contracts as contract_services
from commitments.services.contract_rules import contractable_commitments
from commitments.services.contracts import ContractFieldError
from commitments.services.errors import ServiceError


class InstallmentInline(admin.TabularInline):
    """The schedule (支払予定): typed in for explicit terms, generated and shown otherwise."""

    model = Installment
    form = InstallmentForm
    formset = InstallmentFormSet
    extra = 0
    readonly_fields = ["year_display", "amount_display"]
    verbose_name_plural = _("支払予定（支払条件が「個別指定」のときに入力。その他は契約期間と支払条件から自動作成）")

    def _editable(self, request: HttpRequest, obj: Contract | None) -> bool:
        explicit = obj is None or obj.payment_terms == PaymentTerms.EXPLICIT
        return explicit and request.user.has_perm("commitments.change_installment")

    def get_extra(self, request: HttpRequest, obj: Contract | None = None, **kwargs: Any) -> int:
        return 3 if obj is None and self._editable(request, obj) else 0

    def get_fields(self, request: HttpRequest, obj: Contract | None = None) -> list[str]:
        amount = "amount_yen" if self._editable(request, obj) else "amount_display"
        return ["due_on", "year_display", amount]

    @admin.display(description=_("年度"))
    def year_display(self, obj: Installment) -> str:
        return fiscal_year_label(obj.fiscal_year)

    @admin.display(description=_("支払予定額（円）"))
    def amount_display(self, obj: Installment) -> str:
        return yen(obj.amount_yen)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)


@admin.register(Contract)
class ContractAdmin(ServiceRefusalMixin, ReadOnlyHistoryMixin, OrganizationScopedAdmin, SimpleHistoryAdmin):
    form = ContractForm
    change_form_template = "admin/commitments/contract/change_form.html"
    inlines = [InstallmentInline, PaymentInline]
    list_display = [
        "contract_no",
        "counterparty",
        "commitment",
        "signed_on",
        "end_on",
        "amount_display",
        "paid_display",
        "payment_terms",
        "state_display",
    ]
    list_display_links = ["contract_no"]
    list_filter = ["status", "payment_terms", ("commitment__segment", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["contract_no", "counterparty", "commitment__matter"]
    list_select_related = ["commitment"]
    show_full_result_count = False
    actions = ["cancel_selected"]
    readonly_fields = ["status", "cancelled_on", "version", "registered_by", "created_at", "changes_display"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contract]:
        return super().get_queryset(request).annotate(paid_total=Coalesce(Sum("payments__amount_yen"), 0))

    @admin.display(description=_("契約金額（円）"), ordering="amount_yen")
    def amount_display(self, obj: Contract) -> str:
        return yen(obj.amount_yen)

    @admin.display(description=_("支出済（円）"), ordering="paid_total")
    def paid_display(self, obj: Contract) -> str:
        return yen(getattr(obj, "paid_total", 0))

    @admin.display(description=_("契約の状態"), ordering="status")
    def state_display(self, obj: Contract) -> str:
        return contract_state(obj)

    @admin.display(description=_("変更契約・契約解除の記録"))
    def changes_display(self, obj: Contract) -> SafeString:
        return contract_changes_table(obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Contract | None = None) -> list[str]:
        return [*self.readonly_fields, "commitment"] if obj else list(self.readonly_fields)

    def get_fields(self, request: HttpRequest, obj: Contract | None = None) -> list[str]:
        fields = [name for name in ContractForm.Meta.fields]
        if obj is None:
            return fields
        if not self.has_change_permission(request, obj):  # read only: no edit-only fields (their names in English)
            shown = {"expected_version": None, "amount_yen": "amount_display"}  # amounts with commas
            return [*(shown.get(n, n) for n in fields if shown.get(n, n)), *self.readonly_fields]
        return [*fields, "change_reason", *self.readonly_fields]

    def get_inlines(self, request: HttpRequest, obj: Contract | None) -> list[Any]:
        return [InstallmentInline, PaymentInline] if obj else [InstallmentInline]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "commitment":
            # Approved or active, and lapsed ones while a contract signed in time may still be entered (late entry).
            kwargs["queryset"] = scoped(contractable_commitments(timezone.localdate()), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Contract | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        # A cancelled contract is closed: what a reversal changes afterwards, the services record.
        return allowed and (
            obj is None or (obj.commitment.status != Status.COMPLETED and obj.status == ContractStatus.ACTIVE)
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a registered contract is changed (変更契約) or cancelled (契約解除), never deleted

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request: HttpRequest, obj: Contract, form: Any, change: bool) -> None:
        """Saved in save_related, once the explicit schedule (an inline) is known."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        data = form.cleaned_data
        installments = None
        for formset in formsets:
            # The change message reads these; the schedule itself is stored by the contract service below.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            if formset.model is Installment and data["payment_terms"] == PaymentTerms.EXPLICIT:
                installments = [
                    (f.cleaned_data["due_on"], f.cleaned_data["amount_yen"])
                    for f in formset.forms
                    if f.cleaned_data and not f.cleaned_data.get("DELETE")
                ]
        fields = {name: data[name] for name in contract_services.CONTRACT_FIELDS if name in data}
        if change:
            outcome = contract_services.contract_update(
                actor=request.user,
                contract=form.instance,
                expected_version=data.get("expected_version") or form.instance.version,
                reason=data.get("change_reason") or "",
                installments=installments,
                **fields,
            )
        else:
            outcome = contract_services.contract_register(
                actor=request.user, commitment=data["commitment"], installments=installments, **fields
            )
        form.instance.pk = outcome.contract.pk
        if outcome.existing:
            request._contract_existing = outcome.contract  # type: ignore[attr-defined]
        for warning in outcome.warnings:
            messages.warning(request, warning)

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if getattr(request, "_contract_existing", None) is None:
            return super().log_addition(request, obj, message)
        return None

    def response_add(self, request: HttpRequest, obj: Contract, post_url_continue: str | None = None) -> HttpResponse:
        existing = getattr(request, "_contract_existing", None)
        if existing is None:
            return super().response_add(request, obj, post_url_continue)
        messages.info(
            request,
            _("契約番号 %(no)s は同じ内容で登録済です。新たには登録していません。") % {"no": existing.contract_no},
        )
        return HttpResponseRedirect(reverse("admin:commitments_contract_change", args=[existing.pk]))

    def change_page_context(self, request: HttpRequest, obj: Contract) -> dict[str, Any]:
        if self.has_change_permission(request, obj):
            return {"cancel_url": reverse("admin:commitments_contract_cancel", args=[obj.pk])}
        return {}

    def get_urls(self) -> list[Any]:
        cancel = path(
            "<int:object_id>/cancel/", self.admin_site.admin_view(self.cancel_view), name="commitments_contract_cancel"
        )
        return [cancel, *super().get_urls()]

    def _cancel(self, request: HttpRequest, contract: Contract, form: ContractCancelForm) -> None:
        contract_services.contract_cancel(
            actor=request.user,
            contract=contract,
            reason=form.cleaned_data["reason"],
            cancelled_on=form.cleaned_data.get("cancelled_on"),
        )

    @admin.action(description=_("選択した契約を解除"), permissions=["change"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Contract]) -> HttpResponse | None:
        form = ContractCancelForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            run_each(request, queryset, _("解除"), lambda k: self._cancel(request, k, form), label=str)
            return None
        return confirmation_page(self, request, queryset, form, "cancel_selected", _("契約解除"))

    def cancel_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """契約解除 of one contract: the reason and the day, then the service; its refusal shown beside the field."""
        contract = self.get_object(request, str(object_id))
        if contract is None:
            raise Http404
        if not self.has_change_permission(request, contract):
            raise PermissionDenied
        form = ContractCancelForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                self._cancel(request, contract, form)
            except ContractFieldError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            except ServiceError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("契約 %(no)s を解除しました。") % {"no": contract.contract_no})
                return HttpResponseRedirect(reverse("admin:commitments_contract_change", args=[contract.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": contract,
            "form": form,
            "title": _("契約解除：%(contract)s") % {"contract": contract},
        }
        return TemplateResponse(request, "admin/commitments/contract/cancel.html", context)
