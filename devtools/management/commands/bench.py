"""python manage.py bench: each figure of docs/performance.md next to a floor measured in the same run."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from devtools.benchmarks.measure import Line
from devtools.benchmarks.runner import BenchReport, bench_run
from devtools.benchmarks.scratch import scratch_database

COLUMNS = (("", 3), ("measure", 44), ("figure", 30), ("floor", 28), ("ratio", 8), ("target", 24), ("", 8))


def _ratio(line: Line) -> str:
    return "" if line.ratio is None else f"{line.ratio:.2f}×"


def table(report: BenchReport) -> list[str]:
    """The report as fixed-width text: one row per line, its note indented below."""
    rows = [
        f"bench: {report.size:,} commitments, seed {report.seed}, as of {report.as_of}, {report.cpus} CPUs, "
        f"{report.server}, database {report.database}",
        "  ".join(name.ljust(width) for name, width in COLUMNS).rstrip(),
    ]
    for line in report.lines:
        cells = (line.key, line.what, line.figure, line.floor, _ratio(line), line.target, line.verdict)
        rows.append("  ".join(str(c).ljust(w) for c, (_, w) in zip(cells, COLUMNS, strict=True)).rstrip())
        if line.note:
            rows.append(f"{'':5}{line.note}")
    missed = [line.key for line in report.lines if line.met is False]
    skipped = [line.key for line in report.lines if line.skipped]
    rows.append(
        f"total {report.seconds:.0f} s; targets not met: {', '.join(missed) or 'none'}; "
        f"skipped: {', '.join(skipped) or 'none'}"
    )
    return rows


def markdown(report: BenchReport) -> list[str]:
    """The report as a Markdown table (for docs/performance.md), notes in their own column."""
    rows = [
        "| # | measure | figure | floor | ratio | target | verdict | how |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for line in report.lines:
        cells = (line.key, line.what, line.figure, line.floor, _ratio(line), line.target, line.verdict, line.note)
        rows.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return rows


class Command(BaseCommand):
    help = (
        "性能測定：使い捨てのデータベースに合成データを N 件生成し、docs/performance.md の各指標を同じ実行で測った下限"
        "（floor）と並べて表示します。終了時にそのデータベースを削除します（--keep で残す）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", type=int, default=100_000, help="生成する債務負担行為の件数（既定 100,000）")
        parser.add_argument("--seed", type=int, default=1, help="乱数の種（既定 1）")
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="基準日 YYYY-MM-DD（既定 今日）")
        parser.add_argument("--json", type=Path, default=None, help="結果を JSON で書き出すファイル")
        parser.add_argument("--markdown", type=Path, default=None, help="結果を Markdown の表で書き出すファイル")
        parser.add_argument("--keep", action="store_true", help="使い捨てデータベースを削除せずに残す")
        parser.add_argument("--no-worker", action="store_true", help="5（実ワーカーでの承認→推計）を測らない")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["size"] < 100:
            raise CommandError("--size must be at least 100")
        as_of = options["as_of"] or timezone.localdate()
        debug = settings.DEBUG
        settings.DEBUG = False  # measured as production runs: no query log, no debug pages
        try:
            with scratch_database(keep=options["keep"]) as name:
                db = connection.settings_dict
                fate = "kept" if options["keep"] else "dropped at the end"
                self.stdout.write(f"scratch database {name} on {db['HOST'] or 'local socket'}:{db['PORT']} ({fate})")
                report = bench_run(
                    size=options["size"],
                    seed=options["seed"],
                    as_of=as_of,
                    database=name,
                    use_worker=not options["no_worker"],
                    say=lambda text: self.stdout.write(text),
                )
        finally:
            settings.DEBUG = debug
        self.stdout.write("\n".join(table(report)))
        if options["markdown"]:
            options["markdown"].write_text("\n".join(markdown(report)) + "\n", encoding="utf-8")
            self.stdout.write(f"written {options['markdown']}")
        if options["json"]:
            options["json"].write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=2), encoding="utf-8")
            self.stdout.write(f"written {options['json']}")
