"""A role as people name it: the role groups keep their codes as names, and are shown by their Japanese labels."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from commitments.roles import ROLE_LABELS


class Role(Group):
    """An auth group seen as a role (財務担当, 承認者, 監査, 経営層); other groups show their own names."""

    class Meta:
        proxy = True
        verbose_name = _("役割")
        verbose_name_plural = _("役割")

    def __str__(self) -> str:
        return str(ROLE_LABELS.get(self.name, self.name))
