"""Admin forms: amounts in a chosen unit and fiscal years in 和暦 or 西暦, parsed by commitments.fiscal."""

from commitments.forms.amendments import AmendmentForm
from commitments.forms.commitments import ApproveForm, CommitmentForm, RejectForm
from commitments.forms.contracts import (
    ContractForm,
    InstallmentForm,
    InstallmentFormSet,
    PaymentForm,
    PaymentUploadForm,
)
from commitments.forms.fields import UNIT_CHOICES, FiscalYearField, MonthField, YenField
from commitments.forms.frames import FiscalFrameForm, FrameUploadForm

__all__ = [
    "UNIT_CHOICES",
    "AmendmentForm",
    "ApproveForm",
    "CommitmentForm",
    "ContractForm",
    "FiscalFrameForm",
    "FiscalYearField",
    "FrameUploadForm",
    "InstallmentForm",
    "InstallmentFormSet",
    "MonthField",
    "PaymentForm",
    "PaymentUploadForm",
    "RejectForm",
    "YenField",
]
