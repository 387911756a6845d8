"""Run the projection synchronously: one commitment, or all of them set-based (what the Celery jobs do). Computes only:
the year-end close is `close_fiscal_year`."""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from commitments.services import projection

# The year-end close lapses authority: it is never a side effect of computing projections (a future --as-of with
# --rollover once lapsed live authority of every organization).
ROLLOVER_GONE = (
    "--rollover は廃止しました。project_outflows は推計の計算だけを行います。"
    "年度末処理（失効・完了）は団体・年度ごとに close_fiscal_year --organization 団体名 --fy 年度 で"
    "行ってください（--dry-run で対象と金額を確認できます）。"
)


class Command(BaseCommand):
    help = "年度別推計を同期的に再計算します（--commitment ID で1件、--all で夜間処理、--all --full で全件）。"

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--commitment", type=int, metavar="ID", help="債務負担行為の ID")
        target.add_argument("--all", action="store_true", help="夜間処理と同じ（変更のあった債務負担行為だけを再計算）")
        parser.add_argument("--full", action="store_true", help="--all と併せて：全件を再計算（修復用）")
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, help="基準日 YYYY-MM-DD（既定：今日）")
        parser.add_argument("--rollover", action="store_true", help="廃止：年度末処理は close_fiscal_year で行います")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rollover"]:
            raise CommandError(ROLLOVER_GONE)
        as_of = options["as_of"]
        started = time.perf_counter()
        if options["full"] and not options["all"]:
            raise CommandError("--full は --all と併せて指定してください。")
        if options["all"] and options["full"]:
            rows = projection.projection_refresh_all(as_of=as_of)
        elif options["all"]:
            night = projection.projection_night(as_of=as_of)
            rows = night.rows
            if night.projected is not None:
                self.stdout.write(f"変更のあった債務負担行為 {night.projected} 件を再計算しました。")
        else:
            from commitments.models import Commitment

            if not Commitment.objects.filter(pk=options["commitment"]).exists():
                raise CommandError(f"債務負担行為 ID {options['commitment']} はありません。")
            rows = projection.projection_refresh(commitment_id=options["commitment"], as_of=as_of)
        self.stdout.write(f"推計 {rows} 行を書き込みました（{time.perf_counter() - started:.2f} 秒）。")
