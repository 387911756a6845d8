"""Importing budget books: the seed/J-LIS table, the 第２表 and the 調書 (CSV in UTF-8 or CP932, TSV, XLSX)."""

from commitments.services.imports.columns import FORMAT_LABELS, Format
from commitments.services.imports.rows import RowError, RowPlan
from commitments.services.imports.service import (
    ImportOptions,
    ImportRefused,
    ImportResult,
    RowOutcome,
    default_users,
    import_file,
    read_plan,
)

__all__ = [
    "FORMAT_LABELS",
    "Format",
    "ImportOptions",
    "ImportRefused",
    "ImportResult",
    "RowError",
    "RowOutcome",
    "RowPlan",
    "default_users",
    "import_file",
    "read_plan",
]
