"""Import a budget book's commitments table (seed table, 第２表 or 調書; CSV, TSV or XLSX): all rows or none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from commitments import fiscal
from commitments.management.arguments import add_organization, organization_named
from commitments.models import Organization, User
from commitments.services.errors import ServiceError
from commitments.services.imports import ImportOptions, ImportRefused, ImportResult, default_users, import_file
from commitments.services.imports.rows import RowPlan

BAR_WIDTH = 30
STAGES = {"read": "読込", "write": "登録", "project": "推計"}


def describe(plan: RowPlan, unit: str) -> str:
    """One row as the officer reads it: matter, limit, span, and for a 調書 the spent and planned parts."""
    limit = f"「{plan.limit.text}」" if plan.limit.is_text else fiscal.format_amount(plan.limit.yen or 0, unit=unit)
    span = fiscal.format_span(plan.first_fy, plan.last_fy)
    if plan.span_text:
        span = f"「{plan.span_text}」（推定 {span}）"
    text = f"{plan.matter}　限度額 {limit}　{span}"
    text += f"　行為年度 {fiscal.format_fiscal_year(plan.authorized_fy)}"
    if plan.explicit:
        text += (
            f"　支出済 {fiscal.format_amount(plan.spent_yen, unit=unit)}"
            f"　支出予定 {fiscal.format_amount(plan.planned_yen, unit=unit)}"
            + ("　期首残高（契約済）" if plan.opening else "　未契約")
        )
    return text


class Command(BaseCommand):
    help = (
        "予算書の債務負担行為の表（事項・限度額・行為年度・負担年度の表、第２表、調書）を取り込みます。"
        "CSV（UTF-8／Shift_JIS）・TSV・XLSX。1行でも誤りがあれば何も登録しません。同じファイルを再度取り込んでも増えません。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV / TSV / XLSX")
        add_organization(parser)
        parser.add_argument(
            "--budget-year", default="", metavar="FY", help="予算年度（例：令和8年度、2026、平成31年度）"
        )
        parser.add_argument(
            "--unit", default="", choices=["", *fiscal.UNITS], help="金額の単位（既定：表の見出し、なければ千円）"
        )
        parser.add_argument(
            "--segment",
            default="",
            metavar="CODE",
            help="事業区分のコードまたは名称（表に列がない場合。既定：団体の既定の事業区分）",
        )
        parser.add_argument("--resolution", default="", help="議決・決裁（例：令和8年2月定例会 議案第1号）")
        parser.add_argument("--user", default="", help="取込を行う財務担当者（既定：団体の最初の財務担当者）")
        parser.add_argument("--approver", default="", help="承認者（既定：財務担当者以外の最初の承認者）")
        parser.add_argument("--dry-run", action="store_true", help="登録せずに、登録される内容を表示する")

    def _user(self, username: str, organization: Organization, fallback: User | None, role: str) -> User:
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"利用者が見つかりません: {username}")
            return user
        if fallback is None:
            raise CommandError(
                f"{organization.name} に{role}がいません（--user / --approver で指定するか、"
                "create_organization の --user または管理画面の「利用者」で登録してください）。"
            )
        return fallback

    def _progress(self) -> Any:
        if not self.stderr.isatty():
            return None
        last: dict[str, int] = {}

        def show(stage: str, done: int, total: int) -> None:
            if total <= 0 or last.get(stage) == done:
                return
            last[stage] = done
            filled = BAR_WIDTH * done // total
            self.stderr.write(
                f"\r{STAGES.get(stage, stage)} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}", ending=""
            )
            if done >= total:
                self.stderr.write("")

        return show

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"ファイルが見つかりません: {path}")
        organization = organization_named(options["organization"])
        officer, approver = default_users(organization)
        actor = self._user(options["user"], organization, officer, "財務担当者")
        checker = (
            None
            if options["dry_run"] and not options["approver"]
            else self._user(options["approver"], organization, approver, "承認者")
        )
        try:
            import_options = ImportOptions.parse(
                path.name,
                budget_year=options["budget_year"],
                unit=options["unit"],
                segment=options["segment"],
                resolution=options["resolution"],
            )
            result = import_file(
                actor=actor,
                approver=checker,
                organization=organization,
                data=path.read_bytes(),
                options=import_options,
                dry_run=options["dry_run"],
                progress=self._progress(),
            )
        except ImportRefused as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{exc.message}（{path.name}）") from exc
        except (ServiceError, fiscal.FiscalParseError) as exc:
            raise CommandError(str(getattr(exc, "message", exc))) from exc
        self._report(result, organization)

    def _report(self, result: ImportResult, organization: Organization) -> None:
        year = f"、予算年度 {fiscal.format_fiscal_year(result.budget_year)}" if result.budget_year else ""
        self.stdout.write(
            f"{result.file_name}: {result.format_label}{year}、単位 {result.unit}、{len(result.outcomes)} 行"
        )
        for notice in result.notices:
            self.stdout.write(f"※ {notice}")
        if result.dry_run:
            for outcome in result.outcomes:
                plan = outcome.plan
                self.stdout.write(f"{plan.row:>6}行 {outcome.action} {describe(plan, result.unit)}")
                for flag in plan.flags:
                    self.stdout.write(f"{'':>9}※ {flag}")
        totals = result.totals
        self.stdout.write(
            f"合計 限度額 {fiscal.format_amount(totals['limit_yen'], unit=result.unit)}"  # type: ignore[arg-type]
            + (
                f"、支出済 {fiscal.format_amount(totals['spent_yen'], unit=result.unit)}"  # type: ignore[arg-type]
                f"、支出予定 {fiscal.format_amount(totals['planned_yen'], unit=result.unit)}"  # type: ignore[arg-type]
                if result.format == "chousho"
                else ""
            )
            + f"（{result.unit}）"
        )
        funding: dict[str, int] = totals["funding_yen"]  # type: ignore[assignment]
        if funding:
            self.stdout.write(
                "財源内訳 "
                + "、".join(f"{name} {fiscal.format_amount(yen, unit=result.unit)}" for name, yen in funding.items())
                + f"（{result.unit}）"
            )
        unprinted = [o.plan for o in result.outcomes if o.plan.limit.is_text]
        if unprinted:
            self.stdout.write(
                f"限度額が文言・未記載の行 {len(unprinted)} 件（合計に含めず）："
                + "、".join(f"{p.row}行目「{p.matter}」" for p in unprinted)
            )
        for warning in result.warnings:
            self.stderr.write(f"注意: {warning}")
        verb = "登録します（--dry-run のため未登録）" if result.dry_run else "登録しました"
        self.stdout.write(
            f"{organization.name}: 新規 {result.count('新規')} 件を{verb}。"
            f"登録済 {result.count('既存')} 件"
            + (f"、財源内訳・期首残高を追加 {result.count('追加')} 件" if result.count("追加") else "")
            + (f"、期首残高の契約 {result.contracts} 件" if result.contracts else "")
            + f"（{result.seconds:.1f} 秒）"
        )
