"""Uploads of budget tables (取込): the file, its preview, the officer's request, the approver's go and the outcome."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from commitments.models.constraints import ConstraintErrorsOnFields, on_field
from commitments.models.core import Organization
from commitments.models.scoping import ScopedManager
from commitments.models.workflow import person


class ImportJobStatus(models.TextChoices):
    """Where an upload stands: checked → requested → approved and queued → running → imported (or refused).

    Its steps up to the queue: services.workflow.flows.IMPORT_JOB_FLOW; the run's states are the worker's."""

    PREVIEWED = "previewed", _("確認中")
    SUBMITTED = "submitted", _("承認待ち")
    QUEUED = "queued", _("取込待ち")
    RUNNING = "running", _("取込中")
    DONE = "done", _("取込済")
    REFUSED = "refused", _("誤りあり（未登録）")
    FAILED = "failed", _("失敗")
    WITHDRAWN = "withdrawn", _("取下げ")


class ImportJob(ConstraintErrorsOnFields):
    """One uploaded file and what became of it; the rows themselves are written only when an approver says go."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="import_jobs", verbose_name=_("団体")
    )
    file_name = models.CharField(_("ファイル名"), max_length=255)
    content = models.BinaryField(_("ファイル"))
    options = models.JSONField(_("取込条件"), default=dict, blank=True)
    status = models.CharField(
        _("状態"), max_length=12, choices=ImportJobStatus.choices, default=ImportJobStatus.PREVIEWED, db_index=True
    )
    format = models.CharField(_("表の種類"), max_length=20, blank=True)
    budget_year = models.PositiveSmallIntegerField(_("予算年度"), null=True, blank=True)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    preview = models.JSONField(_("内容"), default=dict, blank=True)
    errors = models.JSONField(_("誤り"), default=list, blank=True)
    warnings = models.JSONField(_("注意"), default=list, blank=True)
    result = models.JSONField(_("結果"), default=dict, blank=True)
    uploaded_by = person(_("取込担当者"), required=True)
    approver = person(_("承認者"))
    task_id = models.CharField(_("タスクID"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    started_at = models.DateTimeField(_("開始日時"), null=True, blank=True)
    finished_at = models.DateTimeField(_("終了日時"), null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("予算書の取込")
        verbose_name_plural = _("予算書の取込")
        ordering = ["-created_at", "-id"]
        constraints = [
            on_field(
                "approver",
                models.CheckConstraint(
                    condition=Q(approver__isnull=True) | ~Q(approver=F("uploaded_by")),
                    name="import_job_approver_not_uploader",
                    violation_error_message=_("取り込んだ人はその取込を承認できません。"),
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.file_name
