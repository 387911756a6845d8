"""Load N synthetic commitments (with 年割額, contracts, schedules and payments) by PostgreSQL COPY."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from devtools.generate import BATCH_SIZE, DEFAULT_ORGANIZATION, GenerateResult, generate_commitments


def _as_of(text: str) -> date:
    """Parse --as-of (YYYY-MM-DD)."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--as-of: not a date (YYYY-MM-DD): {text}") from exc


class Command(BaseCommand):
    help = (
        "合成データの債務負担行為を N 件（年割額・契約・支払予定・支出実績つき）COPY で一括登録します。"
        "同じ --seed と --as-of なら同じデータになります。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int, help="登録する債務負担行為の件数")
        parser.add_argument("--seed", type=int, default=1, help="乱数の種（既定 1）")
        parser.add_argument(
            "--organization", default=DEFAULT_ORGANIZATION, help=f"団体名（既定 {DEFAULT_ORGANIZATION}）"
        )
        parser.add_argument("--as-of", type=_as_of, default=None, help="基準日 YYYY-MM-DD（既定 今日）")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="1トランザクションの件数")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["count"] < 0 or options["batch_size"] < 1:
            raise CommandError("count must not be negative and --batch-size must be positive")
        result = generate_commitments(
            count=options["count"],
            seed=options["seed"],
            organization_name=options["organization"],
            as_of=options["as_of"],
            batch_size=options["batch_size"],
            progress=self._progress if options["count"] > options["batch_size"] else None,
        )
        self.stdout.write(
            f"{result.organization}: seed {result.seed}, as of {result.as_of}: "
            f"commitments {result.commitments:,}, planned {result.planned:,}, contracts {result.contracts:,}, "
            f"installments {result.installments:,}, payments {result.payments:,} in {result.seconds:.1f} s"
        )
        self.stdout.write("  " + ", ".join(f"{status} {n:,}" for status, n in sorted(result.statuses.items())))

    def _progress(self, result: GenerateResult) -> None:
        self.stdout.write(f"  {result.commitments:,} commitments, {result.seconds:.1f} s")
