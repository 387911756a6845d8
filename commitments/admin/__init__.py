"""Declarative admin for finance officers and approvers; every change goes through services."""

from commitments.admin import (
    amendments,
    closing,
    commitments,
    contracts,
    frames,
    imports,  # noqa: F401  (registers the upload page)
    reports,
    roles,
    system,
)

__all__ = ["amendments", "closing", "commitments", "contracts", "frames", "reports", "roles", "system"]
