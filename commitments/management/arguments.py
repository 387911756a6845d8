"""Arguments the management commands share: the organization by name, a fiscal year as officers type it, the as-of
day, the unit of text output and JSON."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import CommandError, CommandParser

from commitments import fiscal
from commitments.models import Organization

ORGANIZATION_HELP = "団体名（例：富士市）"


def add_organization(parser: CommandParser, *, required: bool = True, help: str = ORGANIZATION_HELP) -> None:
    """`--organization NAME`."""
    parser.add_argument("--organization", required=required, help=help)


def add_organization_and_year(parser: CommandParser, *, year_help: str) -> None:
    """`--organization NAME --fy YEAR` (both required; read with `organization_and_year`)."""
    add_organization(parser)
    parser.add_argument("--fy", required=True, help=year_help)


def organization_and_year(options: dict[str, Any]) -> tuple[Organization, int]:
    """The organization and the fiscal year a command names (`add_organization_and_year`), or the command's error."""
    return organization_named(options["organization"]), fiscal_year_typed(options["fy"])


def add_as_of(parser: CommandParser, *, help: str) -> None:
    """`--as-of YYYY-MM-DD`: the day whose records are read (None when not given)."""
    parser.add_argument("--as-of", type=datetime.date.fromisoformat, metavar="DATE", help=help)


def add_unit_and_json(
    parser: CommandParser, *, unit_help: str = "text output unit", json_help: str = "JSON, amounts in yen"
) -> None:
    """`--unit 円|千円|百万円` (default 千円) for text output, and `--json` (amounts in yen)."""
    parser.add_argument("--unit", default="千円", choices=sorted(fiscal.UNITS), help=unit_help)
    parser.add_argument("--json", action="store_true", help=json_help)


def organization_named(name: str) -> Organization:
    """The organization of that name, or the command's error."""
    organization = Organization.objects.filter(name=name).first()
    if organization is None:
        raise CommandError(f"団体が見つかりません: {name}")
    return organization


def fiscal_year_typed(text: str) -> int:
    """A fiscal year typed as 2026, 令和8年度 or R8, or the command's error (the parser's message)."""
    try:
        return fiscal.parse_fiscal_year(text)
    except fiscal.FiscalParseError as exc:
        raise CommandError(str(exc)) from exc
