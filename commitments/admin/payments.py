"""Payments (支出実績) in the admin: entered one by one or by CSV, never edited or deleted, corrected by 戻入・取消."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from commitments import fiscal
from commitments.admin.base import (
    OrganizationScopedAdmin,
    ReadOnlyHistoryMixin,
    ServiceRefusalMixin,
    day,
    fiscal_year_label,
    upload_page,
    yen,
)
from commitments.admin.filters import FiscalYearValuesFilter
from commitments.admin.inlines import ReadOnlyInline
from commitments.forms import PaymentForm, PaymentUploadForm
from commitments.forms.contracts import PaymentReverseForm, show_refusal
from commitments.models import Payment
from commitments.services import payment_reversals
from commitments.services import payments as payment_services
from commitments.services.errors import ServiceError
from commitments.services.payments import PaymentRefusedError


def _amount(obj: Payment) -> str:
    return yen(obj.amount_yen)


def _reverses(obj: Payment) -> str:
    """The payment a reversal reverses, linked to its page ('' for a payment)."""
    original = obj.reverses
    if original is None:
        return ""
    url = reverse("admin:commitments_payment_change", args=[original.pk])
    parts = [day(original.paid_on), original.reference, yen(original.amount_yen) + "円"]
    return format_html('<a href="{}">{}</a>', url, " ".join(part for part in parts if part))


class PaymentInline(ReadOnlyInline):
    """A contract's payments and reversals (negative, naming the payment they reverse)."""

    model = Payment
    fk_name = "contract"
    fields = [
        "paid_on",
        "fiscal_year_display",
        "amount_display",
        "reference",
        "reverses_display",
        "reason",
        "recorded_by",
    ]
    readonly_fields = fields
    verbose_name_plural = _("支出実績（戻入・取消は△）")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("reverses", "recorded_by")

    @admin.display(description=_("支出額（円）"))
    def amount_display(self, obj: Payment) -> str:
        return _amount(obj)

    @admin.display(description=_("会計年度"))
    def fiscal_year_display(self, obj: Payment) -> str:
        return fiscal_year_label(obj.fiscal_year)

    @admin.display(description=_("取消対象"))
    def reverses_display(self, obj: Payment) -> str:
        return _reverses(obj)


@admin.register(Payment)
class PaymentAdmin(ServiceRefusalMixin, ReadOnlyHistoryMixin, OrganizationScopedAdmin, SimpleHistoryAdmin):
    form = PaymentForm
    change_list_template = "admin/commitments/payment/change_list.html"
    list_display = [
        "paid_on",
        "fiscal_year_display",
        "contract",
        "amount_display",
        "reference",
        "reverses_display",
        "recorded_by",
    ]
    list_filter = [("fiscal_year", FiscalYearValuesFilter)]
    search_fields = ["contract__contract_no", "reference", "contract__commitment__matter"]
    list_select_related = ["contract", "recorded_by", "reverses"]
    show_full_result_count = False
    date_hierarchy = "paid_on"

    @admin.display(description=_("支出額（円）"), ordering="amount_yen")
    def amount_display(self, obj: Payment) -> str:
        return _amount(obj)

    @admin.display(description=_("会計年度"), ordering="fiscal_year")
    def fiscal_year_display(self, obj: Payment) -> str:
        return fiscal_year_label(obj.fiscal_year)

    @admin.display(description=_("取消対象"))
    def reverses_display(self, obj: Payment) -> str:
        return _reverses(obj)

    def get_fields(self, request: HttpRequest, obj: Payment | None = None) -> list[str]:
        if obj is None:
            return list(PaymentForm.Meta.fields)
        reversal = ["reverses_display", "reason"] if obj.reverses_id else []
        return ["contract", "paid_on", "fiscal_year_display", "amount_display", "reference", *reversal, "recorded_by"]

    def get_readonly_fields(self, request: HttpRequest, obj: Payment | None = None) -> list[str]:
        return self.get_fields(request, obj) if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a recorded payment is a fact; it is corrected by a 戻入・取消, a new record

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Payment, form: Any, change: bool) -> None:
        data = form.cleaned_data
        outcome = payment_services.payment_record_once(
            actor=request.user,
            contract=data["contract"],
            paid_on=data["paid_on"],
            amount_yen=data["amount_yen"],
            reference=data.get("reference") or "",
            fiscal_year=data.get("fiscal_year"),
        )
        obj.pk = outcome.payment.pk
        obj.already_recorded = None if outcome.created else outcome.payment  # type: ignore[attr-defined]

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if getattr(obj, "already_recorded", None) is not None:
            return None  # nothing was added
        return super().log_addition(request, obj, message)

    def response_add(self, request: HttpRequest, obj: Payment, post_url_continue: str | None = None) -> HttpResponse:
        recorded = getattr(obj, "already_recorded", None)
        if recorded is None:
            return super().response_add(request, obj, post_url_continue)
        messages.warning(request, payment_services.already_recorded_message(recorded))
        return HttpResponseRedirect(reverse("admin:commitments_payment_change", args=[recorded.pk]))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        payment = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if payment is not None and payment.reverses_id is None:
            rest = payment_reversals.reversible_rest(payment)
            reversals = payment.reversals.select_related("recorded_by").order_by("paid_on", "id")
            context["payment_reversals"] = list(reversals)
            context["reversible_rest"] = rest
            if rest > 0 and self.has_add_permission(request):
                context["reverse_url"] = reverse("admin:commitments_payment_reverse", args=[payment.pk])
                context["reverse_form"] = PaymentReverseForm(payment=payment)
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[Any]:
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="commitments_payment_upload")
        reverse_ = path(
            "<path:object_id>/reverse/",
            self.admin_site.admin_view(self.reverse_view),
            name="commitments_payment_reverse",
        )
        return [upload, reverse_, *super().get_urls()]

    def reverse_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """戻入・取消 of one payment (the same permission as entering a payment), through the service."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        payment = self.get_object(request, unquote(object_id))
        if payment is None:
            raise Http404
        change_url = reverse("admin:commitments_payment_change", args=[payment.pk])
        form = PaymentReverseForm(request.POST or None, payment=payment)
        if request.method == "POST" and form.is_valid():
            try:
                reversal = payment_reversals.payment_reverse(actor=request.user, **form.reversal())
            except PaymentRefusedError as exc:
                show_refusal(form, exc)
            except ServiceError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(
                    request,
                    _("戻入・取消を登録しました（%(amount)s円、%(date)s）。")
                    % {"amount": fiscal.format_amount(reversal.amount_yen, unit="円"), "date": reversal.paid_on},
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "payment": payment,
            "change_url": change_url,
            "reversible_rest": payment_reversals.reversible_rest(payment),
            "title": _("支出の戻入・取消"),
        }
        return TemplateResponse(request, "admin/commitments/payment/reverse.html", context)

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """A CSV of payments: new rows recorded, rows already recorded skipped (登録済), any bad row refuses all."""
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form = PaymentUploadForm(request.POST or None, request.FILES or None, user=request.user)

        def load() -> str:
            text = payment_services.decode_upload(form.cleaned_data["file"].read())
            result = payment_services.payments_import_csv(
                actor=request.user, organization=form.organization_for(request.user), text=text
            )
            return _("支出実績の CSV を取り込みました：新規 %(new)d 件、登録済 %(already)d 件。") % {
                "new": result.created,
                "already": result.already,
            }

        return upload_page(
            self,
            request,
            form,
            title=_("支出実績の一括登録（CSV）"),
            template="admin/commitments/payment/upload.html",
            load=load,
        )
