"""Fiscal frames (財政見通し): entered by a finance officer, approved by someone else; a revision replaces on approval.

The approval steps are the one workflow's (`workflow.FRAME_FLOW`: draft → submitted → approved, withdraw and reject
back to draft, under the one segregation rule); this module adds the values' rules and the revision's replacement.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
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
)
from commitments.services import workflow
from commitments.services.common import require
from commitments.services.errors import ServiceError
from commitments.vocabulary import STATISTICS_CLASS_CHOICES

EDITABLE_FIELDS = frozenset({"fiscal_year", "segment", "expenditure_yen", "general_revenue_yen", "note"})


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


def _check(fields: dict[str, Any], organization_id: int, exclude: int | None = None) -> None:
    """Refuse wrong values, a 事業区分 of another organization, and a second frame in preparation for the same
    organization, year and 事業区分 (the database refuses that too)."""
    problems = frame_problems(fields)
    if problems:
        raise ServiceError(problems[0])
    segment = fields.get("segment")
    if isinstance(segment, Segment) and segment.organization_id != organization_id:
        raise ServiceError(_("事業区分が団体と一致しません。"))
    open_ones = FiscalFrame.objects.filter(
        organization_id=organization_id,
        fiscal_year=fields["fiscal_year"],
        segment=segment,
        status__in=[FrameStatus.DRAFT, FrameStatus.SUBMITTED],
    ).exclude(pk=exclude)
    if open_ones.exists():
        raise ServiceError(
            _("%(year)sのこの区分の財政見通しは起案中または承認待ちのものがあります。それを変更してください。")
            % {"year": fiscal.format_fiscal_year(fields["fiscal_year"])}
        )


def _draft_check(row: FiscalFrame, values: dict[str, Any]) -> None:
    """What a draft frame must satisfy, new or edited (`row`: the draft, `values`: its fields as they would be)."""
    _check(values, row.organization_id, exclude=row.pk)


@transaction.atomic
def frame_create(*, actor: User, organization: Organization, **fields: Any) -> FiscalFrame:
    """Enter a frame (or a revision of an approved one) as a draft."""
    return workflow.draft_create(
        FiscalFrame,
        actor=actor,
        organization=organization,
        fields=fields,
        editable=EDITABLE_FIELDS,
        check=_draft_check,
    )


def frame_update_draft(*, actor: User, frame: FiscalFrame, expected_version: int, **fields: Any) -> FiscalFrame:
    """Change a draft frame; refused when someone saved it since `expected_version` was read."""
    return workflow.draft_edit(
        frame,
        actor=actor,
        expected_version=expected_version,
        changes=fields,
        editable=EDITABLE_FIELDS,
        check=_draft_check,
    )


def frame_submit(*, actor: User, frame: FiscalFrame) -> FiscalFrame:
    """Send a draft frame for approval."""
    return workflow.transition(frame, "submit", actor=actor)


def frame_withdraw(*, actor: User, frame: FiscalFrame) -> FiscalFrame:
    """Take a submission back to draft (only its submitter)."""
    return workflow.transition(frame, "withdraw", actor=actor)


def frame_reject(*, actor: User, frame: FiscalFrame, reason: str) -> FiscalFrame:
    """Send a submission back with a reason (never by one of its authors)."""
    return workflow.transition(frame, "reject", actor=actor, note=reason)


def _supersede_approved(actor: User) -> Any:
    """The approval's guard: the approved frame of the same organization, year and 事業区分 is kept as 改定済, before
    the revision becomes the approved one (the database allows one approved frame for each)."""

    def supersede(locked: FiscalFrame) -> None:
        if locked.status != FrameStatus.SUBMITTED:
            return  # the machine refuses the step
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

    return supersede


def frame_approve(*, actor: User, frame: FiscalFrame) -> FiscalFrame:
    """Approve a submission (never by one of its authors); the frame it revises is kept as 改定済."""
    return workflow.transition(frame, "approve", actor=actor, guard=_supersede_approved(actor))


def frame_delete_draft(*, actor: User, frame: FiscalFrame) -> None:
    """Delete a draft frame that was never submitted; its history keeps the deletion."""
    workflow.draft_delete(frame, actor=actor, cleanup=lambda locked: None)


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
