"""One workflow for everything that is drafted, submitted, approved, rejected and withdrawn, and for the life cycle.

- `flows`: the workflows as data (commitments, amendments, budget-table uploads, fiscal frames) and `transition`,
  the one code path of every status change;
- `machine`: the engine that applies a step (permission, segregation, source states, history, trail, authorship);
- `segregation`: the authorship trail and the segregation-of-duties rule it decides.
"""

from commitments.services.workflow.flows import (
    AMENDMENT_FLOW,
    COMMITMENT_FLOW,
    FRAME_FLOW,
    IMPORT_JOB_FLOW,
    WORKFLOWS,
    amendment_label,
    draft_create,
    draft_delete,
    draft_edit,
    transition,
    workflow_for,
)
from commitments.services.workflow.machine import Step, Workflow
from commitments.services.workflow.segregation import authorship_record, authorship_record_many, segregation_check

__all__ = [
    "AMENDMENT_FLOW",
    "COMMITMENT_FLOW",
    "FRAME_FLOW",
    "IMPORT_JOB_FLOW",
    "WORKFLOWS",
    "Step",
    "Workflow",
    "amendment_label",
    "authorship_record",
    "authorship_record_many",
    "draft_create",
    "draft_delete",
    "draft_edit",
    "segregation_check",
    "transition",
    "workflow_for",
]
