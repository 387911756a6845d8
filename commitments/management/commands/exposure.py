"""Print the exposure table (yearly amounts by commitment or segment) as text or JSON."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone, translation

from commitments import fiscal, selectors, vocabulary
from commitments.management.arguments import (
    add_as_of,
    add_organization,
    add_unit_and_json,
    fiscal_year_typed,
    organization_named,
)


class Command(BaseCommand):
    help = "債務負担行為の年度別負担額を表示します（--json で機械可読な形式）。"

    def add_arguments(self, parser: CommandParser) -> None:
        add_organization(parser, required=False, help="団体名（省略時はすべての団体）")
        parser.add_argument(
            "--basis",
            choices=[b.key for b in vocabulary.BASES],
            help="集計の基準（既定 planned）: " + " | ".join(f"{b.key}＝{b.label}" for b in vocabulary.BASES),
        )
        parser.add_argument(
            "--remaining-from",
            metavar="FY",
            help="この年度以降の残額（契約済未払＋未契約）。例：2026、令和8年度",
        )
        add_as_of(parser, help="YYYY-MM-DD の終了時点の記録から計算（既定：今日の年度別推計）")
        parser.add_argument("--by", default="commitment", choices=selectors.BY_CHOICES)
        add_unit_and_json(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        organization_ids = None
        if options["organization"]:
            organization_ids = [organization_named(options["organization"]).pk]
        from_fy = fiscal_year_typed(options["remaining_from"]) if options["remaining_from"] else None
        basis = options["basis"] or ("remaining" if from_fy is not None else "planned")
        as_of = options["as_of"]
        table = selectors.exposure_table(
            organization_ids=organization_ids,
            as_of=as_of if as_of != timezone.localdate() else None,  # another day: the books of that day, row by row
            basis=basis,
            by=options["by"],
            from_fy=from_fy,
        )
        if options["json"]:
            data = table.as_json()
            data["as_of"] = as_of.isoformat() if as_of else None
            data["from_fiscal_year"] = from_fy
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        unit = options["unit"]
        headers = ["事項" if options["by"] == "commitment" else "事業区分"]
        headers += [fiscal.format_fiscal_year(fy) for fy in table.fiscal_years] + ["合計"]
        as_of_note = f" 基準日={as_of}" if as_of else ""
        from_note = f" {fiscal.format_fiscal_year(from_fy)}以降" if from_fy is not None else ""
        self.stdout.write(f"（単位：{unit}） basis={table.basis}{from_note}{as_of_note} 件数={table.commitments}")
        self.stdout.write("\t".join(headers))
        for row in table.rows:
            cells = [fiscal.format_amount(row["years"].get(fy, 0), unit=unit) for fy in table.fiscal_years]
            self.stdout.write("\t".join([row["label"], *cells, fiscal.format_amount(row["total"], unit=unit)]))
        totals = [fiscal.format_amount(table.totals.get(fy, 0), unit=unit) for fy in table.fiscal_years]
        self.stdout.write("\t".join(["合計", *totals, fiscal.format_amount(table.grand_total, unit=unit)]))
        note = vocabulary.rounding_note(unit)
        if note is not None:
            with translation.override("ja"):
                self.stdout.write(f"※{note}")
