"""Errors raised by services; messages are shown to users as they are."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """A business rule refused the operation."""

    default_message = _("操作できません。")

    def __init__(self, message: object | None = None) -> None:
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.message))


class PermissionDeniedError(ServiceError):
    """The actor lacks the role or the organization for this operation."""

    default_message = _("この操作を行う権限がありません。")


class SegregationOfDutiesError(PermissionDeniedError):
    """Someone who drafted, edited or submitted an item tried to approve or reject it (services.workflow)."""

    default_message = _("自分が提出した債務負担行為は承認できません（職務分掌）。")


class InvalidTransitionError(ServiceError):
    """The commitment is not in a state that allows this step."""

    default_message = _("現在の状態ではこの操作はできません。")


class ConcurrentUpdateError(ServiceError):
    """Someone else saved the same record first."""

    default_message = _("他の利用者が先に更新しました。最新の内容を読み込み直してから再度保存してください。")


class LimitExceededError(ServiceError):
    """Contracts would exceed the commitment's limit (限度額)."""


class RowErrors(ServiceError):
    """An all-or-nothing upload was refused; `rows` lists (line number, message) for every bad row."""

    def __init__(self, rows: list[tuple[int, str]]) -> None:
        self.rows = rows
        message = _("取込みを中止しました（%(n)d 行に誤りがあります）。何も登録されていません。")
        super().__init__(message % {"n": len(rows)})
