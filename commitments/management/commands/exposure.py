"""Print the exposure table (yearly amounts by commitment or segment) as text or JSON."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from commitments import fiscal, selectors
from commitments.models import Organization


class Command(BaseCommand):
    help = "債務負担行為の年度別負担額を表示します（--json で機械可読な形式）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", help="団体名（省略時はすべての団体）")
        parser.add_argument("--basis", default="planned", choices=sorted(selectors.BASES))
        parser.add_argument("--by", default="commitment", choices=selectors.BY_CHOICES)
        parser.add_argument("--unit", default="千円", choices=sorted(fiscal.UNITS), help="text output unit")
        parser.add_argument("--json", action="store_true", help="JSON, amounts in yen")

    def handle(self, *args: Any, **options: Any) -> None:
        organization_ids = None
        if options["organization"]:
            organization = Organization.objects.filter(name=options["organization"]).first()
            if organization is None:
                raise CommandError(f"団体が見つかりません: {options['organization']}")
            organization_ids = [organization.pk]
        table = selectors.exposure_table(organization_ids=organization_ids, basis=options["basis"], by=options["by"])
        if options["json"]:
            self.stdout.write(json.dumps(table.as_json(), ensure_ascii=False, indent=2))
            return
        unit = options["unit"]
        headers = ["事項" if options["by"] == "commitment" else "事業区分"]
        headers += [fiscal.format_fiscal_year(fy) for fy in table.fiscal_years] + ["合計"]
        self.stdout.write(f"（単位：{unit}） basis={table.basis} 件数={table.commitments}")
        self.stdout.write("\t".join(headers))
        for row in table.rows:
            cells = [fiscal.format_amount(row["years"].get(fy, 0), unit=unit) for fy in table.fiscal_years]
            self.stdout.write("\t".join([row["label"], *cells, fiscal.format_amount(row["total"], unit=unit)]))
        totals = [fiscal.format_amount(table.totals.get(fy, 0), unit=unit) for fy in table.fiscal_years]
        self.stdout.write("\t".join(["合計", *totals, fiscal.format_amount(table.grand_total, unit=unit)]))
