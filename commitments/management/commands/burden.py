"""Print the burden of an organization's coming fiscal years against its fiscal frames, or the yearly statistics."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from commitments import fiscal
from commitments.management.arguments import add_as_of, add_organization, add_unit_and_json, organization_named
from commitments.selectors import burden, burden_statistics


class Command(BaseCommand):
    help = "将来の年度の財政見通しに対する債務負担行為の負担（--statistics で翌年度以降支出予定額の統計）を表示します。"

    def add_arguments(self, parser: CommandParser) -> None:
        add_organization(parser, help="団体名")
        add_as_of(parser, help="YYYY-MM-DD の終了時点（その年度の予算から見た記録）で計算（既定：今日の推計）")
        parser.add_argument("--statistics", action="store_true", help="翌年度以降支出予定額の区分別・支払年度別の表")
        add_unit_and_json(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_named(options["organization"])
        today = timezone.localdate()
        as_of = options["as_of"]
        unit = options["unit"]
        if options["statistics"]:
            table = burden_statistics.statistics_table(organization=organization, as_of=as_of, today=today)
            if options["json"]:
                self.stdout.write(json.dumps(table.as_json(), ensure_ascii=False, indent=2))
                return
            self.stdout.write(f"（単位：{unit}） 翌年度以降支出予定額 {organization.name}")
            self.stdout.write(
                "\t".join(["区分", *(fiscal.format_fiscal_year(fy) for fy in table.fiscal_years), "合計"])
            )
            for row in [*table.rows, table.totals]:
                cells = [fiscal.format_amount(row.years.get(fy, 0), unit=unit) for fy in table.fiscal_years]
                self.stdout.write("\t".join([str(row.label), *cells, fiscal.format_amount(row.total, unit=unit)]))
            return
        report = burden.burden_report(organization=organization, as_of=as_of, today=today)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"（単位：{unit}） {organization.name} 警告 {report.threshold_text}%"
            + (f" 基準日={as_of}" if as_of else "")
        )
        self.stdout.write("\t".join(["事業区分", "年度", "既定の負担", "うち一般財源", "財政見通し", "割合"]))
        for row in [*report.rows, report.totals]:
            label = row.label if row.key is not None else "合計"
            for fy in report.fiscal_years:
                cell = row.years[fy]
                share = "—" if cell.share is None else f"{cell.share * 100:.2f}%" + (" ※" if cell.over else "")
                frame = "—" if cell.frame_yen is None else fiscal.format_amount(cell.frame_yen, unit=unit)
                self.stdout.write(
                    "\t".join(
                        [
                            label,
                            fiscal.format_fiscal_year(fy),
                            fiscal.format_amount(cell.committed_yen, unit=unit),
                            fiscal.format_amount(cell.general_revenue_yen, unit=unit),
                            frame,
                            share,
                        ]
                    )
                )
