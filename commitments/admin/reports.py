"""Report subscriptions (schedule, recipients, "send now") and the delivery log ("resend", the kept e-mail)."""

from __future__ import annotations

from email import message_from_bytes, policy
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from commitments.admin.base import OrganizationScopedAdmin, ReadOnlyAdminMixin, confirmation_page, run_each
from commitments.admin.filters import OwnOrganizationFilter
from commitments.models import ReportDelivery, ReportSubscription, Role, User
from commitments.models.scoping import scoped_formfield
from commitments.reporting.schedule_words import schedule_words, send_time_words
from commitments.services import reports as report_services
from commitments.services.errors import ServiceError
from commitments.services.reports_schedule import SCHEDULE_FIELDS, next_send_times

DELIVERY_COLORS = {
    ReportDelivery.Status.PENDING: "#6c757d",
    ReportDelivery.Status.SENDING: "#0b5ed7",
    ReportDelivery.Status.RETRYING: "#9a6700",
    ReportDelivery.Status.SENT: "#1f7a1f",
    ReportDelivery.Status.FAILED: "#a52a2a",
    ReportDelivery.Status.SKIPPED: "#333",
}


class ReportSubscriptionForm(forms.ModelForm):
    """The subscription with its crontab checked and at least one recipient."""

    class Meta:
        model = ReportSubscription
        formfield_callback = scoped_formfield
        fields = [
            "name",
            "organization",
            "kind",
            "basis",
            "budget_year",
            "language",
            "active",
            "recipient_users",
            "recipient_groups",
            "extra_addresses",
            "attach_xlsx",
            "attach_csv",
            "cadence",
            *SCHEDULE_FIELDS,
            "first_business_day_only",
        ]
        widgets = {
            "recipient_groups": forms.CheckboxSelectMultiple,
            "extra_addresses": forms.Textarea(attrs={"rows": 3, "cols": 50}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        values = {name: data.get(name) for name in SCHEDULE_FIELDS}
        if all(values.values()):
            report_services.schedule_validate(**values)  # type: ignore[arg-type]
        if not (data.get("recipient_users") or data.get("recipient_groups") or data.get("extra_addresses", "").strip()):
            raise ValidationError(_("宛先（利用者・グループ・アドレス）を1つ以上指定してください。"))
        return data


class SendPermissionMixin:
    """The "send" action permission: send now and resend."""

    def has_send_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("commitments.send_reportsubscription")


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(SendPermissionMixin, OrganizationScopedAdmin):
    form = ReportSubscriptionForm
    list_display = [
        "name",
        "organization",
        "kind",
        "language",
        "schedule_display",
        "active",
        "last_delivery",
        "preview",
    ]
    list_filter = ["active", "kind", ("organization", OwnOrganizationFilter)]
    search_fields = ["name"]
    actions = ["send_now_selected"]
    readonly_fields = ["schedule_info", "periodic_task_link", "preview"]
    fieldsets = (
        (None, {"fields": ["name", "organization", "kind", "basis", "budget_year", "language", "active"]}),
        (_("宛先"), {"fields": ["recipient_users", "recipient_groups", "extra_addresses"]}),
        (_("添付ファイル"), {"fields": ["attach_xlsx", "attach_csv"]}),
        (_("日程"), {"fields": ["cadence", "first_business_day_only", "schedule_info"]}),
        (
            _("日程の詳細設定"),
            {
                "classes": ["collapse"],
                "fields": [("minute", "hour", "day_of_month", "month_of_year", "day_of_week"), "periodic_task_link"],
                "description": _(
                    "分・時・日・月・曜日の5項目で送信の時刻を指定します（日本時間。「*」はすべて、「1-7」は1から7まで）。"
                    "例：毎月の第1営業日 7:00 → 分 0、時 7、日 1-7、月 *、曜日 1-5、「第1営業日のみ」にチェック。"
                ),
            },
        ),
        (_("確認"), {"fields": ["preview"]}),
    )

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # The organization and the recipients are scoped to the user's organizations by OrganizationScopedAdmin.
        if db_field.name == "recipient_users":
            users = User.objects.filter(is_active=True).exclude(email="")
            kwargs["queryset"] = users.order_by("organization", "username")
        elif db_field.name == "recipient_groups":
            kwargs["queryset"] = Role.objects.order_by("name")  # shown by the roles' names
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("日程"))
    def schedule_display(self, obj: ReportSubscription) -> str:
        values = {name: getattr(obj, name) for name in SCHEDULE_FIELDS}
        return schedule_words(**values, first_business_day_only=obj.first_business_day_only)

    @admin.display(description=_("次回の送信予定"))
    def schedule_info(self, obj: ReportSubscription) -> str:
        if obj.pk is None:
            return "—"
        words = self.schedule_display(obj)
        if not obj.active:
            return _("%(schedule)s：無効（送信しません）") % {"schedule": words}
        try:
            times = next_send_times(subscription=obj, after=timezone.now())
        except ValueError:
            return "—"
        return f"{words}：" + "、".join(send_time_words(timezone.localtime(t)) for t in times) if times else words

    @admin.display(description=_("定期実行の登録"))
    def periodic_task_link(self, obj: ReportSubscription) -> str:
        task = obj.periodic_task
        if task is None:
            return "—"
        state = _("有効") if task.enabled else _("停止")
        last = formats.date_format(timezone.localtime(task.last_run_at), "DATETIME_FORMAT") if task.last_run_at else "—"
        return _("%(name)s（%(state)s、前回実行 %(last)s）") % {"name": task.name, "state": state, "last": last}

    @admin.display(description=_("最新の送信"))
    def last_delivery(self, obj: ReportSubscription) -> str:
        delivery = obj.deliveries.order_by("-claimed_at", "-id").first()
        return "—" if delivery is None else f"{delivery.period} {delivery.get_status_display()}"

    @admin.display(description=_("プレビュー"))
    def preview(self, obj: ReportSubscription) -> str:
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}?subscription={}" target="_blank">{}</a>', reverse("report-preview"), obj.pk, "表示"
        )

    def save_model(self, request: HttpRequest, obj: ReportSubscription, form: Any, change: bool) -> None:
        report_services.subscription_save(subscription=obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: ReportSubscription) -> None:
        report_services.subscription_delete(subscription=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ReportSubscription]) -> None:
        for subscription in queryset:
            report_services.subscription_delete(subscription=subscription, actor=request.user)

    @admin.action(description=_("選択した定期報告を今すぐ送信（今期分）"), permissions=["send"])
    def send_now_selected(self, request: HttpRequest, queryset: QuerySet[ReportSubscription]) -> None:
        for subscription in queryset:
            try:
                delivery, queued = report_services.subscription_send_now(subscription=subscription, actor=request.user)
            except ServiceError as exc:
                messages.error(request, f"{subscription}: {exc.message}")
                continue
            if queued:
                messages.success(request, f"{subscription}: {delivery.period} の送信を受け付けました。")
            else:
                messages.warning(
                    request,
                    f"{subscription}: {delivery.period} は「{delivery.get_status_display()}」のため送信しません"
                    "（もう一度送るには送信記録から再送してください）。",
                )


class ResendForm(forms.Form):
    reason = forms.CharField(label=_("再送の理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


def _parsed(delivery: ReportDelivery) -> Any:
    if not delivery.message:
        raise Http404("no message kept")
    return message_from_bytes(bytes(delivery.message), policy=policy.default)


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(ReadOnlyAdminMixin, SendPermissionMixin, OrganizationScopedAdmin):
    list_display = [
        "claimed_at",
        "subscription_name",
        "organization",
        "period",
        "status_badge",
        "trigger",
        "attempts",
        "recipients",
        "sent_at",
    ]
    list_filter = ["status", "trigger", "kind", ("organization", OwnOrganizationFilter)]
    search_fields = ["subscription_name", "recipients", "subject"]
    list_select_related = ["organization"]
    actions = ["resend_selected"]
    fields = [
        "subscription",
        "subscription_name",
        "organization",
        "kind",
        "period",
        "status",
        "trigger",
        "resend_of",
        "requested_by",
        "reason",
        "recipients",
        "subject",
        "attempts",
        "error",
        "claimed_at",
        "attempt_started_at",
        "sent_at",
        "kept_message",
    ]
    readonly_fields = fields

    @admin.display(description=_("状態"), ordering="status")
    def status_badge(self, obj: ReportDelivery) -> str:
        return format_html(
            '<span style="color:#fff;background:{};padding:1px 6px;border-radius:3px">{}</span>',
            DELIVERY_COLORS.get(obj.status, "#333"),
            obj.get_status_display(),
        )

    @admin.display(description=_("送信したメール（監査用）"))
    def kept_message(self, obj: ReportDelivery) -> str:
        if not obj.message:
            return "—"
        base = reverse("admin:commitments_reportdelivery_message", args=[obj.pk])
        links = [(base, f"メール全体（.eml、{len(obj.message):,} バイト）")]
        for index, part in enumerate(_parsed(obj).iter_attachments()):
            links.append((f"{base}?part={index}", part.get_filename() or f"attachment-{index}"))
        return format_html_join(" ／ ", '<a href="{}">{}</a>', links)

    def get_urls(self) -> list[Any]:
        message = path(
            "<int:pk>/message/",
            self.admin_site.admin_view(self.message_view),
            name="commitments_reportdelivery_message",
        )
        return [message, *super().get_urls()]

    def message_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The kept e-mail as .eml, or one of its attachments (?part=n), for auditors."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        delivery = self.get_queryset(request).filter(pk=pk).first()
        if delivery is None:
            raise Http404
        part = request.GET.get("part")
        if part is None:
            response = HttpResponse(bytes(delivery.message or b""), content_type="message/rfc822")
            response["Content-Disposition"] = content_disposition_header(True, f"report-{delivery.pk}.eml")
            return response
        attachments = list(_parsed(delivery).iter_attachments())
        if not part.isdigit() or int(part) >= len(attachments):
            raise Http404
        attachment = attachments[int(part)]
        response = HttpResponse(attachment.get_content(), content_type=attachment.get_content_type())
        filename = attachment.get_filename() or f"attachment-{part}"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response

    @admin.action(description=_("選択した送信記録を再送（理由を記録）"), permissions=["send"])
    def resend_selected(self, request: HttpRequest, queryset: QuerySet[ReportDelivery]) -> HttpResponse | None:
        form = ResendForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            run_each(
                request,
                queryset,
                _("再送を受付"),
                lambda d: report_services.delivery_resend(delivery=d, actor=request.user, reason=reason),
                label=str,
            )
            return None
        return confirmation_page(self, request, queryset, form, "resend_selected", _("再送"))
