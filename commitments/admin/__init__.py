"""Declarative admin for finance officers and approvers; every change goes through services."""

from commitments.admin import amendments, commitments, contracts, system

__all__ = ["amendments", "commitments", "contracts", "system"]
