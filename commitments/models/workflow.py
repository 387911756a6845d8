"""Who took part in drafting an item that needs approval: the record segregation of duties is decided from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from commitments.models.constraints import ConstraintErrorsOnFields, on_field


def person(label: str, *, required: bool = False) -> models.ForeignKey:
    """The person who took a step of an item's workflow (drafted, submitted, approved it): kept while referenced."""
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
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("起案・編集・提出者")
    )
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
