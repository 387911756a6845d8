"""Data model: organizations, commitments (債務負担行為), contracts, amendments, projections, deliveries, closes."""

from commitments.models.amendments import OPEN_AMENDMENT_STATES, Amendment, AmendmentStatus
from commitments.models.changes import ProjectionChange, ProjectionState
from commitments.models.closing import CommitmentReopening, FiscalYearClose
from commitments.models.commitment_totals import CommitmentTotal
from commitments.models.contracts import (
    Contract,
    ContractChange,
    ContractChangeKind,
    ContractStatus,
    Installment,
    Payment,
    PaymentTerms,
)
from commitments.models.core import (
    APPROVED_STATES,
    MAX_FY,
    MAX_SPAN_YEARS,
    MIN_FY,
    Commitment,
    CommitmentEvent,
    CommitmentKind,
    Organization,
    PlannedAmount,
    Segment,
    SpreadRule,
    Status,
    User,
)
from commitments.models.frames import OPEN_FRAME_STATES, FiscalFrame, FrameStatus, KindClassification
from commitments.models.funding import CommitmentFunding, FundingSource
from commitments.models.imports import ImportJob, ImportJobStatus
from commitments.models.outflow import ProjectionSnapshot, ProjectionTotal, ProjectionYear
from commitments.models.reports import ReportCadence, ReportDelivery, ReportKind, ReportLanguage, ReportSubscription
from commitments.models.role import Role
from commitments.models.workflow import Authorship, WorkflowItemKind

__all__ = [
    "APPROVED_STATES",
    "MAX_FY",
    "MAX_SPAN_YEARS",
    "MIN_FY",
    "OPEN_AMENDMENT_STATES",
    "OPEN_FRAME_STATES",
    "Amendment",
    "AmendmentStatus",
    "Authorship",
    "Commitment",
    "CommitmentEvent",
    "CommitmentFunding",
    "CommitmentKind",
    "CommitmentReopening",
    "CommitmentTotal",
    "Contract",
    "ContractChange",
    "ContractChangeKind",
    "ContractStatus",
    "FiscalFrame",
    "FiscalYearClose",
    "FrameStatus",
    "FundingSource",
    "ImportJob",
    "ImportJobStatus",
    "Installment",
    "KindClassification",
    "Organization",
    "Payment",
    "PaymentTerms",
    "PlannedAmount",
    "ProjectionChange",
    "ProjectionSnapshot",
    "ProjectionState",
    "ProjectionTotal",
    "ProjectionYear",
    "ReportCadence",
    "ReportDelivery",
    "ReportKind",
    "ReportLanguage",
    "ReportSubscription",
    "Role",
    "Segment",
    "SpreadRule",
    "Status",
    "User",
    "WorkflowItemKind",
]
