"""Admin upload of budget tables (予算書の取込): upload and check, ask for approval, approve, watch it run."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from commitments import fiscal
from commitments.admin.base import OrganizationScopedAdmin, badge
from commitments.forms.uploads import MB, check_table
from commitments.models import ImportJob, ImportJobStatus, Organization, Segment
from commitments.models.scoping import chooses_organization
from commitments.services.errors import ServiceError
from commitments.services.imports import jobs

MAX_UPLOAD_BYTES = 20 * MB
WATCHED = (ImportJobStatus.QUEUED, ImportJobStatus.RUNNING)


class ImportUploadForm(forms.Form):
    """The file and how to read it; a superuser also picks the organization."""

    file = forms.FileField(label=_("ファイル（CSV・TSV・XLSX）"))
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("団体"), required=False)
    budget_year = forms.CharField(
        label=_("予算年度"),
        required=False,
        help_text=_("例：令和8年度、2026。第２表では必須。調書は見出し（「８年度以降」）から読み取ります。"),
    )
    unit = forms.ChoiceField(
        label=_("金額の単位"),
        required=False,
        choices=[("", _("表の見出しに従う（なければ千円）")), *((u, u) for u in fiscal.UNITS)],
    )
    segment = forms.ChoiceField(
        label=_("事業区分"),
        required=False,
        help_text=_("表に事業区分の列がない場合に取り込む事業区分（空欄：団体の既定の事業区分）"),
    )
    resolution = forms.CharField(label=_("議決・決裁"), required=False, max_length=200)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if chooses_organization(user):
            self.fields["organization"].queryset = Organization.objects.for_user(user).order_by("name")
        else:
            del self.fields["organization"]
        self.fields["segment"].choices = self._segment_choices()

    def _segment_choices(self) -> list[Any]:
        """The organization's segments (grouped by organization for a superuser), the default one marked."""
        segments = (
            Segment.objects.for_user(self.user)
            .select_related("organization")
            .order_by("organization__name", "sort_order", "code")
        )
        default = _("（表の事業区分の列、なければ団体の既定の事業区分）")

        def label(segment: Segment) -> str:
            return f"{segment.name}（{segment.code}）" + (str(_("・既定")) if segment.is_default else "")

        if "organization" not in self.fields:
            return [("", default), *((s.code, label(s)) for s in segments)]
        groups: dict[str, list[tuple[str, str]]] = {}
        for segment in segments:
            groups.setdefault(segment.organization.name, []).append((segment.code, label(segment)))
        return [("", default), *groups.items()]

    def clean_file(self) -> Any:
        return check_table(self.cleaned_data["file"], max_bytes=MAX_UPLOAD_BYTES)

    def clean_budget_year(self) -> str:
        text = self.cleaned_data["budget_year"].strip()
        if text:
            try:
                fiscal.parse_fiscal_year(text)
            except fiscal.FiscalParseError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        code, organization = cleaned.get("segment"), self.organization_for_user()
        known = Segment.objects.filter(organization=organization, code=code)
        if code and organization is not None and not known.exists():
            self.add_error("segment", _("この団体にはその事業区分がありません。"))
        return cleaned

    def organization_for_user(self) -> Organization | None:
        if "organization" in self.fields:
            return self.cleaned_data.get("organization")
        return self.user.organization


@admin.register(ImportJob)
class ImportJobAdmin(OrganizationScopedAdmin):
    list_display = ["created_at", "file_name", "format_display", "budget_year_display", "row_count", "status_badge"]
    list_filter = ["status"]
    list_display_links = ["file_name"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.has_perm("commitments.view_commitment")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.has_perm("commitments.view_commitment")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.has_perm("commitments.add_commitment")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("表の種類"))
    def format_display(self, obj: ImportJob) -> str:
        return str(obj.preview.get("format_label") or obj.result.get("format_label") or "")

    @admin.display(description=_("予算年度"))
    def budget_year_display(self, obj: ImportJob) -> str:
        return fiscal.format_fiscal_year(obj.budget_year) if obj.budget_year else ""

    @admin.display(description=_("状態"))
    def status_badge(self, obj: ImportJob) -> Any:
        return badge(obj.status, obj.get_status_display())

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        """Upload and check a file; nothing is written but the upload, which then shows its preview or errors."""
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            organization = form.organization_for_user()
            if organization is None:
                form.add_error("organization" if "organization" in form.fields else None, _("団体を指定してください。"))
            else:
                upload = form.cleaned_data["file"]
                try:
                    job = jobs.import_job_upload(
                        actor=request.user,
                        organization=organization,
                        file_name=upload.name,
                        data=upload.read(),
                        options={key: form.cleaned_data.get(key, "") for key in jobs.OPTION_KEYS},
                    )
                except ServiceError as exc:
                    messages.error(request, str(exc.message))
                else:
                    return HttpResponseRedirect(reverse("admin:commitments_importjob_change", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("予算書の債務負担行為の表を取り込む"),
        }
        return TemplateResponse(request, "admin/commitments/import/upload.html", context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """The upload's page: preview or errors, the buttons its state allows, progress while it runs, the outcome."""
        job = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_permission(request, job):
            return HttpResponse(status=403)
        if request.method == "POST":
            return self._act(request, job)
        user = request.user
        progress = self._progress(job) if job.status in WATCHED else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "job": job,
            "title": job.file_name,
            "summary": job.result if "rows" in job.result else job.preview,
            "attempts": self._attempts(job),
            "progress": progress,
            "watch": job.status in WATCHED,
            "can_submit": job.status == ImportJobStatus.PREVIEWED and job.uploaded_by_id == user.pk,
            "can_withdraw": job.status in (ImportJobStatus.PREVIEWED, ImportJobStatus.SUBMITTED)
            and job.uploaded_by_id == user.pk,
            "can_approve": job.status == ImportJobStatus.SUBMITTED
            and job.uploaded_by_id != user.pk
            and user.has_perm("commitments.approve_commitment"),
            "can_retry": job.status == ImportJobStatus.FAILED
            and job.uploaded_by_id != user.pk
            and user.has_perm("commitments.approve_commitment"),
            "sync_max_rows": jobs.SYNC_MAX_ROWS,
        }
        return TemplateResponse(request, "admin/commitments/import/detail.html", context)

    def _act(self, request: HttpRequest, job: ImportJob) -> HttpResponse:
        actions = {
            "_submit": (jobs.import_job_submit, _("承認を依頼しました。")),
            "_withdraw": (jobs.import_job_withdraw, _("取り下げました。")),
            "_approve": (jobs.import_job_approve, _("承認しました。")),
            "_retry": (jobs.import_job_retry, _("再実行しました。")),
        }
        for name, (service, done) in actions.items():
            if name in request.POST:
                try:
                    job = service(actor=request.user, job=job)
                except ServiceError as exc:
                    messages.error(request, str(exc.message))
                else:
                    self._outcome(request, job, done)
                break
        return HttpResponseRedirect(reverse("admin:commitments_importjob_change", args=[job.pk]))

    @staticmethod
    def _outcome(request: HttpRequest, job: ImportJob, done: str) -> None:
        """Say what the action did; an import that ended refused or 失敗 says so (the reasons are on the page)."""
        if job.status == ImportJobStatus.FAILED:
            reasons = "／".join(str(e.get("message", "")) for e in job.errors)
            messages.error(request, _("取込に失敗しました：%(reasons)s") % {"reasons": reasons})
        elif job.status == ImportJobStatus.REFUSED:
            messages.error(request, _("誤りがあるため取り込めませんでした。何も登録されていません。"))
        else:
            messages.success(request, done)

    @staticmethod
    def _attempts(job: ImportJob) -> list[dict[str, Any]]:
        """Earlier failed runs and who ran the job again, with their times as datetimes for the page."""
        attempts = job.result.get("attempts") if isinstance(job.result, dict) else None
        return [
            {**a, "failed_at": parse_datetime(a.get("failed_at") or ""), "retried_at": parse_datetime(a["retried_at"])}
            for a in attempts or []
        ]

    @staticmethod
    def _progress(job: ImportJob) -> dict[str, Any] | None:
        """The running task's last report (stage, done, total) from the result backend, if any."""
        if not job.task_id:
            return None
        from celery.result import AsyncResult

        try:
            state = AsyncResult(job.task_id)
            info = state.info if state.state == "PROGRESS" else None
        except Exception:  # result backend unreachable: the page still shows the job's state
            return None
        if not isinstance(info, dict) or not info.get("total"):
            return None
        return {**info, "percent": 100 * int(info.get("done", 0)) // int(info["total"])}
