"""Arguments the management commands share: the organization by name and a fiscal year as officers type it."""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser

from commitments import fiscal
from commitments.models import Organization

ORGANIZATION_HELP = "団体名（例：富士市）"


def add_organization(parser: CommandParser, *, required: bool = True, help: str = ORGANIZATION_HELP) -> None:
    """`--organization NAME`."""
    parser.add_argument("--organization", required=required, help=help)


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
