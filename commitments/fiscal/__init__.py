"""Fiscal years (年度), Japanese eras, yen amounts and spans: pure functions, one module per job.

`text` (normalising printed cells, 契約番号 keys), `years` (fiscal years and eras), `spans` (spans and contract
periods), `amounts` (amounts, 限度額 and display units). Callers use the names re-exported here.
"""

from commitments.bounds import MAX_FISCAL_YEAR, MAX_YEN, MIN_FISCAL_YEAR
from commitments.fiscal.amounts import UNITS, Limit, format_amount, parse_amount, parse_limit, to_unit
from commitments.fiscal.spans import format_span, join_span, parse_period, parse_span, parse_span_part
from commitments.fiscal.text import (
    DITTO_MARKS,
    QUOTED_MAX,
    FiscalParseError,
    contract_number_key,
    is_ditto,
    normalize_text,
)
from commitments.fiscal.years import (
    ERAS,
    MAX_ERA_YEAR,
    STYLES,
    era_in_text,
    era_of_fiscal_year,
    fiscal_year_end,
    fiscal_year_of,
    fiscal_year_start,
    format_fiscal_year,
    format_month,
    parse_fiscal_year,
)

__all__ = [
    "DITTO_MARKS",
    "ERAS",
    "MAX_ERA_YEAR",
    "MAX_FISCAL_YEAR",
    "MAX_YEN",
    "MIN_FISCAL_YEAR",
    "QUOTED_MAX",
    "STYLES",
    "UNITS",
    "FiscalParseError",
    "Limit",
    "contract_number_key",
    "era_in_text",
    "era_of_fiscal_year",
    "fiscal_year_end",
    "fiscal_year_of",
    "fiscal_year_start",
    "format_amount",
    "format_fiscal_year",
    "format_month",
    "format_span",
    "is_ditto",
    "join_span",
    "normalize_text",
    "parse_amount",
    "parse_fiscal_year",
    "parse_limit",
    "parse_period",
    "parse_span",
    "parse_span_part",
    "to_unit",
]
