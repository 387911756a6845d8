"""Segregation of duties on the whole trail: who drafted, edited or submitted an item never approves or rejects it.

Every service that creates, edits or submits a commitment, an amendment (補正), a budget-table upload or a fiscal
frame (財政見通し) records its actor with `authorship_record` (bulk imports with `authorship_record_many`, one
statement); every approving or rejecting step of a workflow (`machine.apply`) asks `segregation_check`, the one
function that decides it for every kind of item.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Model
from django.utils.translation import gettext_lazy

from commitments.models import Amendment, Authorship, Commitment, FiscalFrame, ImportJob, User, WorkflowItemKind
from commitments.services.errors import SegregationOfDutiesError

# The item's current submitter, read beside the recorded trail (rows written outside the services count too).
SUBMITTER: dict[str, tuple[type[Model], str]] = {
    WorkflowItemKind.COMMITMENT: (Commitment, "submitted_by_id"),
    WorkflowItemKind.AMENDMENT: (Amendment, "submitted_by_id"),
    WorkflowItemKind.IMPORT_JOB: (ImportJob, "uploaded_by_id"),
    WorkflowItemKind.FISCAL_FRAME: (FiscalFrame, "submitted_by_id"),
}
# What the actor did, as the message says it (the first action recorded, unless they are the current submitter).
DEEDS = {
    "create": gettext_lazy("起案した"),
    "edit": gettext_lazy("編集した"),
    "submit": gettext_lazy("提出した"),
    "upload": gettext_lazy("取り込んだ"),
    "import": gettext_lazy("取り込んだ"),
}
APPROVAL_REFUSED = {
    WorkflowItemKind.COMMITMENT: gettext_lazy("自分が%(deed)s債務負担行為は承認できません（職務分掌）。"),
    WorkflowItemKind.AMENDMENT: gettext_lazy("自分が%(deed)s補正は承認できません（職務分掌）。"),
    WorkflowItemKind.IMPORT_JOB: gettext_lazy("自分が%(deed)sファイルは承認できません（職務分掌）。"),
    WorkflowItemKind.FISCAL_FRAME: gettext_lazy("自分が%(deed)s財政見通しは承認できません（職務分掌）。"),
}
REJECTION_REFUSED = {
    WorkflowItemKind.COMMITMENT: gettext_lazy("自分が%(deed)s債務負担行為は差し戻せません（職務分掌）。"),
    WorkflowItemKind.AMENDMENT: gettext_lazy("自分が%(deed)s補正は差し戻せません（職務分掌）。"),
    WorkflowItemKind.IMPORT_JOB: gettext_lazy("自分が%(deed)sファイルは差し戻せません（職務分掌）。"),
    WorkflowItemKind.FISCAL_FRAME: gettext_lazy("自分が%(deed)s財政見通しは差し戻せません（職務分掌）。"),
}
WITHDRAW_INSTEAD = gettext_lazy("差戻しではなく「取り下げ」で起案中に戻してください。")
ASK_ANOTHER = gettext_lazy("提出者の取り下げか、他の承認者の差戻しによってください。")


@transaction.atomic
def authorship_record_many(*, kind: str, item_ids: Iterable[int], actor: User, action: str) -> None:
    """Record the actor as an author of every item, in one statement; items they already took part in are kept."""
    ids = list(item_ids)
    if not ids:
        return
    table = connection.ops.quote_name(Authorship._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (item_kind, item_id, user_id, first_action, at)"
            " SELECT %s, item, %s, %s, NOW() FROM unnest(%s::bigint[]) AS item"
            " ON CONFLICT (item_kind, item_id, user_id) DO NOTHING",
            [str(kind), actor.pk, action, ids],
        )


@transaction.atomic
def authorship_record(*, kind: str, item_id: int, actor: User, action: str) -> None:
    """Record that the actor created, edited or submitted the item (idempotent: the first action is kept)."""
    authorship_record_many(kind=kind, item_ids=[item_id], actor=actor, action=action)


def _deed(*, kind: str, item_id: int, actor: User) -> tuple[str | None, bool]:
    """What the actor did to the item (their first recorded action) and whether they are its current submitter."""
    model, submitter_field = SUBMITTER[kind]
    current = model.objects.filter(pk=item_id, **{submitter_field: actor.pk}).exists()
    first = (
        Authorship.objects.filter(item_kind=kind, item_id=item_id, user_id=actor.pk)
        .values_list("first_action", flat=True)
        .first()
    )
    if current:
        return ("upload" if kind == WorkflowItemKind.IMPORT_JOB else "submit"), True
    return first, False


def segregation_check(*, kind: str, item_id: int, actor: User, rejecting: bool = False) -> None:
    """Refuse an approval (or, with `rejecting`, a rejection) by anyone who created, edited or submitted the item."""
    deed, submitter = _deed(kind=kind, item_id=item_id, actor=actor)
    if deed is None:
        return
    values = {"deed": DEEDS.get(deed, DEEDS["edit"])}
    if not rejecting:
        raise SegregationOfDutiesError(APPROVAL_REFUSED[kind] % values)
    hint = WITHDRAW_INSTEAD if submitter else ASK_ANOTHER
    raise SegregationOfDutiesError(f"{REJECTION_REFUSED[kind] % values}{hint}")
