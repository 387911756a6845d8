"""Contracts, their schedules and payments in the admin; every save goes through the contract/payment services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from commitments.admin.base import OrganizationScopedAdmin, ReadOnlyHistoryMixin, ServiceRefusalMixin, yen
from commitments.admin.inlines import ReadOnlyInline
from commitments.forms import ContractForm, InstallmentForm, InstallmentFormSet, PaymentForm, PaymentUploadForm
from commitments.models import Contract, Installment, Payment, PaymentTerms, Status
from commitments.services import contracts as contract_services
from commitments.services import payments as payment_services
from commitments.services.contracts import CONTRACTABLE_STATES
from commitments.services.errors import RowErrors, ServiceError


class InstallmentInline(admin.TabularInline):
    """The schedule (支払予定): typed in for explicit terms, generated and shown otherwise."""

    model = Installment
    form = InstallmentForm
    formset = InstallmentFormSet
    extra = 0
    fields = ["due_on", "fiscal_year", "amount_yen"]
    readonly_fields = ["fiscal_year"]
    verbose_name_plural = _("支払予定（支払条件が「個別指定」のときに入力。その他は契約期間と支払条件から自動作成）")

    def _editable(self, request: HttpRequest, obj: Contract | None) -> bool:
        explicit = obj is None or obj.payment_terms == PaymentTerms.EXPLICIT
        return explicit and request.user.has_perm("commitments.change_installment")

    def get_extra(self, request: HttpRequest, obj: Contract | None = None, **kwargs: Any) -> int:
        return 3 if obj is None and self._editable(request, obj) else 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["paid_on", "fiscal_year", "amount_yen", "reference", "recorded_by"]
    readonly_fields = fields
    verbose_name_plural = _("支出実績")


@admin.register(Contract)
class ContractAdmin(ServiceRefusalMixin, ReadOnlyHistoryMixin, OrganizationScopedAdmin, SimpleHistoryAdmin):
    form = ContractForm
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
    ]
    list_display_links = ["contract_no"]
    list_filter = ["payment_terms", ("commitment__segment", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["contract_no", "counterparty", "commitment__matter"]
    list_select_related = ["commitment"]
    show_full_result_count = False
    readonly_fields = ["version", "registered_by", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contract]:
        return super().get_queryset(request).annotate(paid_total=Coalesce(Sum("payments__amount_yen"), 0))

    @admin.display(description=_("契約金額（円）"), ordering="amount_yen")
    def amount_display(self, obj: Contract) -> str:
        return yen(obj.amount_yen)

    @admin.display(description=_("支出済（円）"), ordering="paid_total")
    def paid_display(self, obj: Contract) -> str:
        return yen(getattr(obj, "paid_total", 0))

    def get_readonly_fields(self, request: HttpRequest, obj: Contract | None = None) -> list[str]:
        return [*self.readonly_fields, "commitment"] if obj else list(self.readonly_fields)

    def get_fields(self, request: HttpRequest, obj: Contract | None = None) -> list[str]:
        fields = [name for name in ContractForm.Meta.fields]
        return [*fields, *self.readonly_fields] if obj else fields

    def get_inlines(self, request: HttpRequest, obj: Contract | None) -> list[Any]:
        return [InstallmentInline, PaymentInline] if obj else [InstallmentInline]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "commitment":
            self.scope_foreign_key(db_field, request, kwargs, status__in=list(CONTRACTABLE_STATES))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Contract | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.commitment.status not in {Status.COMPLETED})

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a registered contract is changed (変更契約), never deleted

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
                installments=installments,
                **fields,
            )
        else:
            outcome = contract_services.contract_register(
                actor=request.user, commitment=data["commitment"], installments=installments, **fields
            )
        form.instance.pk = outcome.contract.pk
        for warning in outcome.warnings:
            messages.warning(request, warning)


@admin.register(Payment)
class PaymentAdmin(ServiceRefusalMixin, ReadOnlyHistoryMixin, OrganizationScopedAdmin, SimpleHistoryAdmin):
    form = PaymentForm
    organization_field = "contract__organization"
    change_list_template = "admin/commitments/payment/change_list.html"
    list_display = ["paid_on", "fiscal_year", "contract", "amount_display", "reference", "recorded_by"]
    list_filter = ["fiscal_year"]
    search_fields = ["contract__contract_no", "reference", "contract__commitment__matter"]
    list_select_related = ["contract", "recorded_by"]
    show_full_result_count = False
    date_hierarchy = "paid_on"

    @admin.display(description=_("支出額（円）"), ordering="amount_yen")
    def amount_display(self, obj: Payment) -> str:
        return yen(obj.amount_yen)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "contract":
            self.scope_foreign_key(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a recorded payment is a fact; corrections are new records

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Payment, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = payment_services.payment_record(
            actor=request.user,
            contract=data["contract"],
            paid_on=data["paid_on"],
            amount_yen=data["amount_yen"],
            reference=data.get("reference") or "",
            fiscal_year=data.get("fiscal_year"),
        )
        obj.pk = saved.pk

    def get_urls(self) -> list[Any]:
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="commitments_payment_upload")
        return [upload, *super().get_urls()]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """A CSV of payments, recorded all or nothing; every bad row is listed with its line number."""
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form = PaymentUploadForm(request.POST or None, request.FILES or None, user=request.user)
        row_errors: list[tuple[int, str]] = []
        if request.method == "POST" and form.is_valid():
            try:
                text = payment_services.decode_upload(form.cleaned_data["file"].read())
                saved = payment_services.payments_import_csv(
                    actor=request.user, organization=form.organization_for(request.user), text=text
                )
                messages.success(request, _("%(n)d 件の支出実績を登録しました。") % {"n": len(saved)})
                return HttpResponseRedirect(reverse("admin:commitments_payment_changelist"))
            except RowErrors as exc:
                row_errors = exc.rows
                messages.error(request, str(exc.message))
            except ServiceError as exc:
                messages.error(request, str(exc.message))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "row_errors": row_errors,
            "title": _("支出実績の一括登録（CSV）"),
        }
        return TemplateResponse(request, "admin/commitments/payment/upload.html", context)
