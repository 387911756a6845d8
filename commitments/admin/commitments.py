"""Commitment (債務負担行為) admin: entry of drafts, 年割額, the approval actions, read-only once approved."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from commitments import fiscal
from commitments.admin.base import (
    OrganizationScopedAdmin,
    ReadOnlyHistoryMixin,
    ServiceRefusalMixin,
    run_each,
    yen,
)
from commitments.admin.closing import ReopenForm
from commitments.admin.filters import AuthorizedYearFilter, BurdenRangeFilter, OrganizationSegmentFilter
from commitments.admin.inlines import (
    AmendmentSummaryInline,
    CommitmentEventInline,
    ContractSummaryInline,
    PlannedAmountInline,
)
from commitments.admin.workflow import APPROVAL_RECORD, WorkflowAdminMixin, service_action, workflow_actions
from commitments.forms import CommitmentForm
from commitments.models import Commitment, Contract, SpreadRule, Status
from commitments.selectors.burden_whatif import draft_comparison
from commitments.services import approval, closing, planning
from commitments.services.amendments import AMENDABLE_STATES
from commitments.services.contract_rules import contractable_commitments
from commitments.services.errors import ServiceError

FILL_BUTTONS = {"_fill_equal": SpreadRule.EQUAL, "_fill_monthly": SpreadRule.MONTHLY}


@admin.register(Commitment)
class CommitmentAdmin(
    WorkflowAdminMixin, ServiceRefusalMixin, ReadOnlyHistoryMixin, OrganizationScopedAdmin, SimpleHistoryAdmin
):
    form = CommitmentForm
    change_form_template = "admin/commitments/commitment/change_form.html"
    list_display = [
        "seq",
        "matter",
        "limit_display",
        "authorized_fy_display",
        "span_display",
        "segment",
        "utilisation_display",
        "status_badge",
    ]
    list_display_links = ["matter"]
    list_filter = [
        "status",
        ("segment", OrganizationSegmentFilter),
        AuthorizedYearFilter,
        BurdenRangeFilter,
        "kind",
    ]
    search_fields = ["matter"]
    list_select_related = ["segment", "organization"]
    list_per_page = 50
    show_full_result_count = False
    # By the organization's id, not its name (Meta.ordering joins the organization to sort): the index
    # commitment_org_fy_seq_id then hands over a page of an organization's commitments without sorting them all.
    ordering = ["organization_id", "authorized_fy", "seq", "id"]
    actions = [
        "submit_selected",
        "approve_selected",
        "reject_selected",
        "withdraw_selected",
        "fill_planned_selected",
        "reopen_selected",
    ]
    readonly_fields = [
        "status",
        "version",
        "planned_total_display",
        *APPROVAL_RECORD,
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Commitment]:
        # A correlated subquery, not Sum over a join: it is computed for the page's 50 rows only, and the count and
        # the filters' queries leave it out (an aggregate would group every commitment of the organization).
        contracted = (
            Contract.objects.filter(commitment=OuterRef("pk"))
            .order_by()
            .values("commitment")
            .annotate(total=Sum("amount_yen"))
            .values("total")
        )
        return super().get_queryset(request).annotate(contracted_total=Coalesce(Subquery(contracted), 0))

    def get_inlines(self, request: HttpRequest, obj: Commitment | None) -> list[Any]:
        if obj is None:
            return []
        if obj.status == Status.DRAFT:
            return [PlannedAmountInline, CommitmentEventInline]
        return [PlannedAmountInline, ContractSummaryInline, AmendmentSummaryInline, CommitmentEventInline]

    @admin.display(description=_("見込額（円）"))
    def estimated_limit_display(self, obj: Commitment) -> str:
        return yen(obj.estimated_limit_yen)

    @admin.display(description=_("限度額（千円）"), ordering="limit_yen")
    def limit_display(self, obj: Commitment) -> str:
        if obj.limit_yen is None:
            estimate = (
                _("（見込 %(amount)s）") % {"amount": yen(obj.estimated_limit_yen, "千円")}
                if obj.estimated_limit_yen
                else ""
            )
            return format_html('<span title="{}">※{}{}</span>', obj.limit_text, _("文言"), estimate)
        return fiscal.format_amount(obj.limit_yen)

    @admin.display(description=_("行為年度"), ordering="authorized_fy")
    def authorized_fy_display(self, obj: Commitment) -> str:
        return fiscal.format_fiscal_year(obj.authorized_fy)

    @admin.display(description=_("負担年度"), ordering="first_burden_fy")
    def span_display(self, obj: Commitment) -> str:
        wareki = fiscal.format_span(obj.first_burden_fy, obj.last_burden_fy)
        return f"{wareki}（{obj.first_burden_fy}–{obj.last_burden_fy}）"

    @admin.display(description=_("契約率"), ordering="contracted_total")
    def utilisation_display(self, obj: Commitment) -> str:
        contracted = getattr(obj, "contracted_total", 0) or 0
        limit = obj.exposure_limit_yen
        if not limit:
            return "—"
        share = contracted * 1000 // limit / 10
        return f"{share:.1f}%"

    @admin.display(description=_("年割額の合計（円）"))
    def planned_total_display(self, obj: Commitment) -> str:
        if obj.pk is None:
            return "—"
        total = obj.planned_amounts.aggregate(total=Sum("amount_yen"))["total"] or 0
        target = obj.exposure_limit_yen
        difference = fiscal.format_amount(total - target, unit="円")
        mark = "" if total == target else _("　※限度額との差 %(difference)s") % {"difference": difference}
        return f"{fiscal.format_amount(total, unit='円')}{mark}"

    def get_fields(self, request: HttpRequest, obj: Commitment | None = None) -> list[str]:
        if obj is not None and obj.status != Status.DRAFT:
            return [
                "organization",
                "segment",
                "kind",
                "seq",
                "matter",
                "limit_display",
                "limit_text",
                "estimated_limit_display",
                "authorized_fy_display",
                "span_display",
                "contract_until_fy",
                "spread_rule",
                *self.readonly_fields,
            ]
        return [*CommitmentForm.Meta.fields, *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Commitment | None = None) -> list[str]:
        if obj is not None and obj.status != Status.DRAFT:
            return self.get_fields(request, obj)  # shown, never edited (also on the history version page)
        return list(self.readonly_fields)

    def draft_values(self, form: Any) -> dict[str, Any]:
        data = form.cleaned_data
        fields = {name: data.get(name) for name in approval.EDITABLE_FIELDS if name in data or name == "limit_yen"}
        fields["limit_text"] = fields.get("limit_text") or ""
        return fields

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is not PlannedAmountInline.model:
            return  # the other inlines are read-only
        if not formset.has_changed():
            return
        amounts = {
            f.cleaned_data["fiscal_year"]: f.cleaned_data["amount_yen"]
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("fiscal_year")
        }
        planning.planned_amounts_set(actor=request.user, commitment=form.instance, amounts=amounts)

    def response_change(self, request: HttpRequest, obj: Commitment) -> HttpResponse:
        for button, rule in FILL_BUTTONS.items():
            if button in request.POST:
                try:
                    planning.planned_amounts_fill(actor=request.user, commitment=obj, rule=rule)
                    messages.success(request, _("年割額を「%(rule)s」で計算しました。") % {"rule": rule.label})
                except ServiceError as exc:
                    messages.error(request, str(exc.message))
                return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def change_page_context(self, request: HttpRequest, obj: Commitment) -> dict[str, Any]:
        context: dict[str, Any] = {"fill_buttons": self.has_change_permission(request, obj)}
        if obj.status in AMENDABLE_STATES and request.user.has_perm("commitments.add_amendment"):
            context["amend_url"] = reverse("admin:commitments_amendment_add") + f"?commitment={obj.pk}"
        if (
            request.user.has_perm("commitments.add_contract")
            and contractable_commitments(timezone.localdate()).filter(pk=obj.pk).exists()
        ):
            context["contract_url"] = reverse("admin:commitments_contract_add") + f"?commitment={obj.pk}"
        if obj.status in (Status.DRAFT, Status.SUBMITTED):
            context["what_if"] = draft_comparison(commitment=obj, today=timezone.localdate())
            context["what_if_url"] = reverse("burden") + f"?include=c{obj.pk}"
        return context

    def service_refused(self, request: HttpRequest, object_id: str | None, exc: ServiceError) -> HttpResponse:
        messages.error(request, str(exc.message))
        if object_id:
            return HttpResponseRedirect(request.path)
        return TemplateResponse(request, "admin/commitments/error.html", {"message": exc.message})

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, Any, Any]:
        to_delete, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # A never-submitted draft's creation event and 年割額 rows are removed with it by the service.
        if all(o.status == Status.DRAFT and o.submitted_by_id is None for o in objs):
            protected = []
        return to_delete, counts, perms_needed, protected

    workflow_services, workflow_item = approval, "commitment"
    submit_selected, withdraw_selected, approve_selected, reject_selected = workflow_actions(approval, "commitment")
    reopen_selected = service_action(
        "reopen_selected",
        closing.commitment_reopen,
        "commitment",
        description=_("選択した債務負担行為を再開（年度末処理後の契約登録）"),
        verb=_("再開"),
        permission="approve",
        form=ReopenForm,
    )

    @admin.action(description=_("選択した起案中の年割額を年割の方法で再計算"), permissions=["change"])
    def fill_planned_selected(self, request: HttpRequest, queryset: QuerySet[Commitment]) -> None:
        def fill(c: Commitment) -> None:
            if c.spread_rule == SpreadRule.EXPLICIT:
                raise ServiceError(_("年割の方法が個別入力のため再計算しません。"))
            planning.planned_amounts_fill(actor=request.user, commitment=c, rule=c.spread_rule)

        run_each(request, queryset, _("年割額の再計算"), fill, label=str)
