"""Print or write the statutory 調書 of one organization for one budget year (text, JSON or XLSX)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from commitments import exports, fiscal, selectors
from commitments.management.arguments import (
    add_as_of,
    add_organization_and_year,
    add_unit_and_json,
    organization_and_year,
)


class Command(BaseCommand):
    help = (
        "債務負担行為の調書（前年度末までの支出額又は支出額の見込み及び当該年度以降の支出予定額等に関する調書）を"
        "表示します。--json は円単位の機械可読形式、--xlsx はページと同じ表の Excel ファイル。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_organization_and_year(parser, year_help="予算年度（例：2026、令和8年度、R8）")
        add_as_of(
            parser, help="YYYY-MM-DD の終了時点の記録で作成（既定：予算年度の視点＝その年度の4月1日。次年度は見込）"
        )
        add_unit_and_json(parser, unit_help="表示・XLSX の単位（既定 千円）", json_help="JSON を出力（金額は円）")
        parser.add_argument("--xlsx", metavar="FILE", help="XLSX ファイルに書き出す")
        parser.add_argument(
            "--era", default="wareki", choices=["wareki", "seireki"], help="年度の表記（既定 和暦：７年度）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization, budget_year = organization_and_year(options)
        report = selectors.chousho_report(organization=organization, budget_year=budget_year, as_of=options["as_of"])
        unit, era = options["unit"], options["era"]
        if options["xlsx"]:
            try:
                exports.write_xlsx([exports.chousho_sheet(report, unit=unit, style=era)], options["xlsx"])
            except OSError as exc:
                raise CommandError(f"XLSX を書き出せません: {exc}") from exc
            if not options["json"]:
                self.stdout.write(f"{options['xlsx']} に {len(report.rows)} 件の調書を書き出しました。")
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
            return
        if not options["xlsx"]:
            self._print(report, unit=unit, era=era)

    def _print(self, report: selectors.ChoushoReport, *, unit: str, era: str) -> None:
        sheet = exports.chousho_sheet(report, unit=unit, style=era)
        self.stdout.write(sheet.heading)
        for note in sheet.notes:
            self.stdout.write(note)
        self.stdout.write("\t".join(exports.flat_labels(sheet)))

        def show(values: list[Any]) -> str:
            cells = []
            for column, value in zip(sheet.columns, values, strict=True):
                if value is None:
                    cells.append("")
                elif column.kind == "amount" and not isinstance(value, str):
                    cells.append(fiscal.format_amount(int(value), unit=unit))
                else:
                    cells.append(str(value))
            return "\t".join(cells)

        for row in sheet.rows:
            self.stdout.write(show(list(row)))
        for row in sheet.footer:
            self.stdout.write(show(list(row)))
        if sheet.rounding_note:
            self.stdout.write(sheet.rounding_note)
        for line in sheet.trailer:
            self.stdout.write(line)
