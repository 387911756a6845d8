"""Who took part in drafting an item that needs approval: the record segregation of duties is decided from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from commitments.models.constraints import ConstraintErrorsOnFields, on_field


def approval_record_constraints(
    prefix: str, approved: Q, *, has_approver: Promise, not_submitter: Promise, shown_beside: str = "approved_by"
) -> list[models.CheckConstraint]:
    """The approval record's CHECKs of an item that is submitted and approved (`<prefix>_approved_has_approver`,
    `<prefix>_approver_not_submitter`): in a state `approved` selects it names its approver, never its submitter."""
    return [
        on_field(
            shown_beside,
            models.CheckConstraint(
                condition=~approved | Q(approved_by__isnull=False),
                name=f"{prefix}_approved_has_approver",
                violation_error_message=has_approver,
            ),
        ),
        on_field(
            "approved_by",
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("submitted_by")),
                name=f"{prefix}_approver_not_submitter",
                violation_error_message=not_submitter,
            ),
        ),
    ]


def person(label: str, *, required: bool = False) -> models.ForeignKey:
    """A person recorded on a row (who drafted, submitted, approved, registered or carried it out): kept while
    referenced; `required` for a row that always names one."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=not required,
        blank=not required,
        verbose_name=label,
    )


class WorkflowItemKind(models.TextChoices):
    """Every kind of item that is drafted, submitted and approved."""

    COMMITMENT = "commitment", _("債務負担行為")
    AMENDMENT = "amendment", _("補正")
    IMPORT_JOB = "import_job", _("予算書の取込")
    FISCAL_FRAME = "fiscal_frame", _("財政見通し")


class Authorship(ConstraintErrorsOnFields):
    """One person who created, edited or submitted an item at some point; they may never approve it."""

    item_kind = models.CharField(_("対象の種類"), max_length=12, choices=WorkflowItemKind.choices)
    item_id = models.BigIntegerField(_("対象"))
    user = person(_("起案・編集・提出者"), required=True)
    first_action = models.CharField(_("最初の操作"), max_length=30)
    at = models.DateTimeField(_("日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("起案・編集・提出の記録")
        verbose_name_plural = _("起案・編集・提出の記録")
        ordering = ["item_kind", "item_id", "at", "id"]
        constraints = [
            on_field(
                "user",
                models.UniqueConstraint(
                    fields=["item_kind", "item_id", "user"],
                    name="authorship_unique_user",
                    violation_error_message=_("この人の起案・編集・提出はすでに記録されています。"),
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_kind_display()} {self.item_id}: {self.user_id}"
