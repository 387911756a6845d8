"""The one state machine engine: every status change of a workflow item is applied here (`flows.transition`).

A `Workflow` describes one kind of item as data (its states' steps, the permission each step needs, who may not take
it, what it stamps and the trail it writes); `transition` applies a step under the item's row lock: permission,
segregation of duties, the legal source states, the history row, the trail event and the record of authorship.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from commitments.models import User
from commitments.services.common import require
from commitments.services.errors import (
    ConcurrentUpdateError,
    InvalidTransitionError,
    PermissionDeniedError,
    ServiceError,
)
from commitments.services.workflow.segregation import authorship_record, segregation_check

DRAFT = "draft"  # the state in which an item is edited in place (every workflow names it so)
REASON_REQUIRED = gettext_lazy("差戻し理由を入力してください。")
NOT_THE_SUBMITTER = gettext_lazy("取り下げできるのは提出者だけです。")


@dataclass(frozen=True)
class Step:
    """One transition: the states it leaves, the state it enters, who may take it and what it records."""

    sources: frozenset[str]
    target: str | None  # None: the step records a change and keeps the state (an amendment applied)
    # The permission codename the actor needs; None for a step that follows from another write (a contract, a
    # payment, the year-end close) whose own service checked the actor's permission: a lifecycle step.
    permission: str | None = None
    # Segregation of duties: nobody who created, edited or submitted the item approves ("approve") or rejects it.
    segregation: Literal["approve", "reject"] | None = None
    # Only the item's submitter may take the step (withdraw); the message says so to anyone else.
    submitter_only: Promise | None = None
    needs_reason: bool = False  # the note is the reason and may not be blank (rejection)
    authorship: str = ""  # recorded as the actor's first action in the authorship trail ("submit")
    stamp: tuple[str, str] = ("", "")  # the fields stamped with the actor and with now ("approved_by", "approved_at")
    note_field: str = ""  # keeps the note ("resolution", "rejection_reason")
    sets: Mapping[str, Any] = field(default_factory=dict)  # constant values the step writes
    event: str = ""  # the trail event's action, when it is not the workflow's event prefix + the step's name
    refused: Promise | None = None  # the message when the item's state does not allow the step (else the kind's)


@dataclass(frozen=True)
class Workflow:
    """One kind of item that is drafted, submitted, approved, rejected, withdrawn (and lives on) as data."""

    kind: str  # WorkflowItemKind: the key of its authorship trail
    model: type[Model]
    submitter_field: str  # the column naming the item's current submitter
    steps: Mapping[str, Step]
    refused: Promise  # "「%(status)s」の…には実行できません。"
    lock: Callable[[Any], Any]  # takes the item's row lock (its parent's first) and returns the locked row
    trail: Callable[[Any, User, str, str, str], None] | None  # writes the event: (item, actor, action, before, note)
    event_prefix: str = ""  # the trail names its steps so ("amendment_" + "submit")
    versioned: bool = True  # the item carries an optimistic-lock `version`, raised by every step and edit
    not_editable: Promise | None = None  # the message refusing to edit an item that is no longer a draft
    not_deletable: Promise | None = None  # the message refusing to delete an item that is not a deletable draft
    delete_unsubmitted_only: bool = False  # a draft once submitted (then rejected or withdrawn) is kept
    save_fields_only: bool = False  # save only the columns the step changes (no history on the model)

    def step(self, action: str) -> Step:
        """The step named `action`; a name the machine does not know is a programming error."""
        try:
            return self.steps[action]
        except KeyError:
            raise ValueError(f"{self.model.__name__} has no workflow step {action!r}") from None

    def deletable(self, item: Any) -> bool:
        """Whether the item may be deleted: a draft (never submitted, where the workflow says so)."""
        return item.status == DRAFT and not (
            self.delete_unsubmitted_only and getattr(item, self.submitter_field) is not None
        )

    def allowed(self, status: str) -> list[str]:
        """The steps the machine allows from `status`, in their declared order."""
        return [name for name, step in self.steps.items() if status in step.sources]


@transaction.atomic
def apply(
    flow: Workflow,
    item: Any,
    action: str,
    *,
    actor: User,
    note: str = "",
    fields: Mapping[str, Any] | None = None,
    guard: Callable[[Any], None] | None = None,
    history_reason: str = "",
    locked: bool = False,
) -> Any:
    """Take `action` on `item` as `flow` describes it, under the item's row lock, and return the saved row.

    Checked in this order: the step's permission, the reason, then on the locked row: only the submitter, segregation
    of duties, the caller's `guard`, the source state. Then the status, the stamps, `fields`, the version, the history
    row (`history_reason` as its change reason), the trail event and the authorship record, all in this transaction.
    `locked`: the caller already holds the row lock and passes the locked row, which is changed in place.
    """
    step = flow.step(action)
    if step.permission is not None:
        require(actor, step.permission, item.organization_id)
    if step.needs_reason and not note.strip():
        raise ServiceError(REASON_REQUIRED)
    row = item if locked else flow.lock(item)
    status = row.status
    if step.submitter_only is not None and status in step.sources:
        if getattr(row, flow.submitter_field) != actor.pk:
            raise PermissionDeniedError(step.submitter_only)
    if step.segregation is not None:
        segregation_check(kind=flow.kind, item_id=row.pk, actor=actor, rejecting=step.segregation == "reject")
    if guard is not None:
        guard(row)
    if status not in step.sources:
        raise InvalidTransitionError((step.refused or flow.refused) % {"status": row.get_status_display()})
    changes: dict[str, Any] = {**({"status": step.target} if step.target is not None else {}), **step.sets}
    actor_field, time_field = step.stamp
    if actor_field:
        changes[actor_field] = actor
    if time_field:
        changes[time_field] = timezone.now()
    if step.note_field:
        changes[step.note_field] = note
    changes.update(fields or {})
    for name, value in changes.items():
        setattr(row, name, value)
    if flow.versioned:
        row.version += 1
    row._history_user = actor
    if history_reason:
        row._change_reason = history_reason
    if flow.save_fields_only:
        row.save(update_fields=[row._meta.get_field(name).name for name in changes])
    else:
        row.save()
    if flow.trail is not None:
        flow.trail(row, actor, step.event or f"{flow.event_prefix}{action}", status, note)
    if step.authorship:
        authorship_record(kind=flow.kind, item_id=row.pk, actor=actor, action=step.authorship)
    return row


@transaction.atomic
def create_draft(
    flow: Workflow,
    *,
    actor: User,
    organization: Any,
    fields: Mapping[str, Any],
    editable: Iterable[str],
    check: Callable[[Any, dict[str, Any]], None],
) -> Any:
    """Enter a new item of the workflow as a draft of `organization`, created by the actor (history and authorship).

    `check(new row, values)` refuses values that break a rule (the same check as `edit_draft`'s); a field outside
    `editable` is a programming error.
    """
    _may_write(flow, "add", actor, organization, fields, editable)
    row = flow.model(organization=organization, created_by=actor, status=DRAFT, **fields)
    check(row, dict(fields))
    return _draft_saved(flow, row, actor, "create")


@transaction.atomic
def edit_draft(
    flow: Workflow,
    item: Any,
    *,
    actor: User,
    expected_version: int,
    changes: Mapping[str, Any],
    editable: Iterable[str],
    check: Callable[[Any, dict[str, Any]], None],
) -> Any:
    """Change a draft in place: refused once submitted, or when someone saved it since `expected_version` was read.

    `check(locked row, merged values)` refuses values that break a rule; the actor is recorded as an author (edit).
    """
    editable = tuple(editable)
    _may_write(flow, "change", actor, item.organization_id, changes, editable)
    row = flow.lock(item)
    if row.status != DRAFT:
        raise InvalidTransitionError(flow.not_editable)
    if row.version != expected_version:
        raise ConcurrentUpdateError()
    check(row, {name: getattr(row, name) for name in editable} | dict(changes))
    for name, value in changes.items():
        setattr(row, name, value)
    row.version += 1
    return _draft_saved(flow, row, actor, "edit")


def _may_write(
    flow: Workflow, verb: str, actor: User, organization: Any, fields: Mapping[str, Any], editable: Iterable[str]
) -> None:
    """The actor's permission (`<verb>_<model>`) on the organization's items; a field outside `editable` is a
    programming error."""
    require(actor, f"{verb}_{flow.model._meta.model_name}", organization)
    unknown = set(fields).difference(editable)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")


def _draft_saved(flow: Workflow, row: Any, actor: User, action: str) -> Any:
    """Save a draft written by the actor (history), who is recorded as one of its authors (`action`)."""
    row._history_user = actor
    row.save()
    authorship_record(kind=flow.kind, item_id=row.pk, actor=actor, action=action)
    return row


@transaction.atomic
def delete_draft(flow: Workflow, item: Any, *, actor: User, cleanup: Callable[[Any], None]) -> None:
    """Delete a draft (only one never submitted, where the workflow says so); `cleanup(locked row)` first records
    the deletion or removes what belongs to it. The model's history keeps the deleted row."""
    require(actor, f"delete_{flow.model._meta.model_name}", item.organization_id)
    row = flow.lock(item)
    if not flow.deletable(row):
        raise InvalidTransitionError(flow.not_deletable)
    cleanup(row)
    row._history_user = actor
    row.delete()
