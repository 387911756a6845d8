"""Fiscal frames (財政見通し): entered by a finance officer, approved by someone else; a revision replaces on approval.

The approval steps are the same as a commitment's (draft → submitted → approved, withdraw and reject back to draft),
decided by the one segregation rule (services.workflow) over the Authorship trail; they are kept in this one module.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import fiscal, rules
from commitments.models import (
    CommitmentKind,
    FiscalFrame,
    FrameStatus,
    KindClassification,
    Organization,
    Segment,
    User,
    WorkflowItemKind,
)
from commitments.services import workflow
from commitments.services.common import require
from commitments.services.errors import (
    ConcurrentUpdateError,
    InvalidTransitionError,
    PermissionDeniedError,
    ServiceError,
)
from commitments.vocabulary import STATISTICS_CLASS_CHOICES

KIND = WorkflowItemKind.FISCAL_FRAME
EDITABLE_FIELDS = frozenset({"fiscal_year", "segment", "expenditure_yen", "general_revenue_yen", "note"})
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({FrameStatus.DRAFT}), FrameStatus.SUBMITTED),
    "withdraw": (frozenset({FrameStatus.SUBMITTED}), FrameStatus.DRAFT),
    "reject": (frozenset({FrameStatus.SUBMITTED}), FrameStatus.DRAFT),
    "approve": (frozenset({FrameStatus.SUBMITTED}), FrameStatus.APPROVED),
}


def frame_problems(fields: dict[str, Any]) -> list[str]:
    """What is wrong with a frame's values (year, amounts), in Japanese; empty when nothing is."""
    problems = []
    fy = fields.get("fiscal_year")
    if fy is None:
        problems.append(_("年度を入力してください。"))
    elif (error := rules.fiscal_year_error(fy)) is not None:
        problems.append(error)
    total, general = fields.get("expenditure_yen"), fields.get("general_revenue_yen")
    if total is None and general is None:
        problems.append(_("歳出総額か一般財源の少なくとも一方を入力してください。"))
    for amount in (total, general):
        if amount is not None and amount <= 0:
            problems.append(_("財政見通しの金額は正の数で入力してください。"))
        elif amount is not None and (error := rules.amount_error(amount)) is not None:
            problems.append(error)
    if total is not None and general is not None and 0 < total < general:
        problems.append(_("一般財源が歳出総額を超えています。"))
    return problems


def _validate(fields: dict[str, Any], organization: Organization) -> None:
    problems = frame_problems(fields)
    if problems:
        raise ServiceError(problems[0])
    segment = fields.get("segment")
    if isinstance(segment, Segment) and segment.organization_id != organization.pk:
        raise ServiceError(_("事業区分が団体と一致しません。"))


def _refuse_second_open(organization: Organization, fields: dict[str, Any], exclude: int | None = None) -> None:
    """One frame in preparation per organization, year and 事業区分 (the database refuses it too)."""
    open_ones = FiscalFrame.objects.filter(
        organization=organization,
        fiscal_year=fields["fiscal_year"],
        segment=fields.get("segment"),
        status__in=[FrameStatus.DRAFT, FrameStatus.SUBMITTED],
    ).exclude(pk=exclude)
    if open_ones.exists():
        raise ServiceError(
            _("%(year)sのこの区分の財政見通しは起案中または承認待ちのものがあります。それを変更してください。")
            % {"year": fiscal.format_fiscal_year(fields["fiscal_year"])}
        )


@transaction.atomic
def frame_create(*, actor: User, organization: Organization, **fields: Any) -> FiscalFrame:
    """Enter a frame (or a revision of an approved one) as a draft."""
    require(actor, "add_fiscalframe", organization)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    _validate(fields, organization)
    _refuse_second_open(organization, fields)
    frame = FiscalFrame(organization=organization, created_by=actor, status=FrameStatus.DRAFT, **fields)
    frame._history_user = actor  # type: ignore[attr-defined]
    frame.save()
    workflow.authorship_record(kind=KIND, item_id=frame.pk, actor=actor, action="create")
    return frame


@transaction.atomic
def frame_update_draft(*, actor: User, frame: FiscalFrame, expected_version: int, **fields: Any) -> FiscalFrame:
    """Change a draft frame; refused when someone saved it since `expected_version` was read."""
    require(actor, "change_fiscalframe", frame.organization_id)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    locked = FiscalFrame.objects.select_for_update().select_related("organization").get(pk=frame.pk)
    if locked.status != FrameStatus.DRAFT:
        raise InvalidTransitionError(_("承認待ち・承認済の財政見通しは変更できません（改定は新しく起案します）。"))
    if locked.version != expected_version:
        raise ConcurrentUpdateError()
    merged = {name: getattr(locked, name) for name in EDITABLE_FIELDS} | fields
    _validate(merged, locked.organization)
    _refuse_second_open(locked.organization, merged, exclude=locked.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.version += 1
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.save()
    workflow.authorship_record(kind=KIND, item_id=locked.pk, actor=actor, action="edit")
    return locked


def _transition(actor: User, frame: FiscalFrame, action: str, guard: Any = None, **extra: Any) -> FiscalFrame:
    """Move a frame along TRANSITIONS under a row lock; `guard` checks the locked row."""
    allowed_from, to_status = TRANSITIONS[action]
    locked = FiscalFrame.objects.select_for_update().get(pk=frame.pk)
    if guard is not None:
        guard(locked)
    if locked.status not in allowed_from:
        raise InvalidTransitionError(
            _("「%(status)s」の財政見通しには実行できません。") % {"status": locked.get_status_display()}
        )
    locked.status = to_status
    for name, value in extra.items():
        setattr(locked, name, value)
    locked.version += 1
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.save()
    return locked


@transaction.atomic
def frame_submit(*, actor: User, frame: FiscalFrame) -> FiscalFrame:
    """Send a draft frame for approval."""
    require(actor, "submit_fiscalframe", frame.organization_id)
    submitted = _transition(
        actor, frame, "submit", submitted_by=actor, submitted_at=timezone.now(), rejection_reason=""
    )
    workflow.authorship_record(kind=KIND, item_id=submitted.pk, actor=actor, action="submit")
    return submitted


@transaction.atomic
def frame_withdraw(*, actor: User, frame: FiscalFrame) -> FiscalFrame:
    """Take a submission back to draft (only its submitter)."""
    require(actor, "submit_fiscalframe", frame.organization_id)

    def own_submission(locked: FiscalFrame) -> None:
        if locked.status == FrameStatus.SUBMITTED and locked.submitted_by_id != actor.pk:
            raise PermissionDeniedError(_("取り下げできるのは提出者だけです。"))

    return _transition(actor, frame, "withdraw", guard=own_submission)


@transaction.atomic
def frame_reject(*, actor: User, frame: FiscalFrame, reason: str) -> FiscalFrame:
    """Send a submission back with a reason (never by one of its authors)."""
    require(actor, "approve_fiscalframe", frame.organization_id)
    if not reason.strip():
        raise ServiceError(_("差戻し理由を入力してください。"))

    def not_an_author(locked: FiscalFrame) -> None:
        workflow.segregation_check(kind=KIND, item_id=locked.pk, actor=actor, rejecting=True)

    return _transition(actor, frame, "reject", guard=not_an_author, rejection_reason=reason)


@transaction.atomic
def frame_approve(*, actor: User, frame: FiscalFrame) -> FiscalFrame:
    """Approve a submission (never by one of its authors); the frame it revises is kept as 改定済."""
    require(actor, "approve_fiscalframe", frame.organization_id)

    def not_an_author(locked: FiscalFrame) -> None:
        workflow.segregation_check(kind=KIND, item_id=locked.pk, actor=actor)
        if locked.status != FrameStatus.SUBMITTED:
            return
        previous = FiscalFrame.objects.select_for_update().filter(
            organization_id=locked.organization_id,
            fiscal_year=locked.fiscal_year,
            segment_id=locked.segment_id,
            status=FrameStatus.APPROVED,
        )
        for old in previous:
            old.status = FrameStatus.SUPERSEDED
            old._history_user = actor  # type: ignore[attr-defined]
            old.save()

    return _transition(actor, frame, "approve", guard=not_an_author, approved_by=actor, approved_at=timezone.now())


@transaction.atomic
def frame_delete_draft(*, actor: User, frame: FiscalFrame) -> None:
    """Delete a draft frame that was never submitted; its history keeps the deletion."""
    require(actor, "delete_fiscalframe", frame.organization_id)
    locked = FiscalFrame.objects.select_for_update().get(pk=frame.pk)
    if locked.status != FrameStatus.DRAFT or locked.submitted_by_id is not None:
        raise InvalidTransitionError(_("提出されたことのない起案中の財政見通しだけを削除できます。"))
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.delete()


@transaction.atomic
def kind_class_set(*, actor: User, organization: Organization, kind: str, statistics_class: str) -> KindClassification:
    """File one 種別 of the organization under a statistics class (replacing the default or an earlier choice)."""
    require(actor, "change_kindclassification", organization)
    if kind not in CommitmentKind.values or statistics_class not in dict(STATISTICS_CLASS_CHOICES):
        raise ServiceError(_("種別または統計の区分が正しくありません。"))
    row = KindClassification.objects.select_for_update().filter(organization=organization, kind=kind).first()
    row = row or KindClassification(organization=organization, kind=kind)
    row.statistics_class = statistics_class
    row._history_user = actor  # type: ignore[attr-defined]
    row.save()
    return row


@transaction.atomic
def kind_class_clear(*, actor: User, classification: KindClassification) -> None:
    """Return one 種別 to the default class (the history keeps the organization's earlier choice)."""
    require(actor, "delete_kindclassification", classification.organization_id)
    classification._history_user = actor  # type: ignore[attr-defined]
    classification.delete()
