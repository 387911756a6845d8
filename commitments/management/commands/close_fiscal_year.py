"""The year-end close (年度末処理) of one organization's fiscal year: preview with --dry-run, then run it once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from commitments import fiscal
from commitments.management.arguments import add_organization_and_year, organization_and_year
from commitments.models import User
from commitments.services import closing, lifecycle
from commitments.services.errors import ServiceError

LABELS = {"lapsed": "失効", "completed": "完了", "closed_remainder": "未契約分の失効"}


class Command(BaseCommand):
    help = (
        "団体の年度末処理（未契約の限度額の失効、支払済の債務負担行為の完了）を行います。翌年度の4月1日から実施でき、"
        "団体・年度ごとに一度だけ記録されます。--dry-run は対象と金額を表示するだけで何も書き込みません。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_organization_and_year(parser, year_help="締める年度（例：2026、令和8年度、R8）")
        parser.add_argument("--dry-run", action="store_true", help="対象と金額を表示するだけで何も書き込まない")
        parser.add_argument(
            "--user", help="実施者のユーザー名（承認者など年度末処理の権限を持つ者。既定：システム（定時処理））"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization, fiscal_year = organization_and_year(options)
        actor = self._actor(options["user"])
        try:
            outcome = closing.fiscal_year_close(
                actor=actor, organization=organization, fiscal_year=fiscal_year, dry_run=options["dry_run"]
            )
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(outcome.summary())
        for action, label in LABELS.items():
            for line in getattr(outcome, action):
                self.stdout.write(
                    f"  {label}\tID {line.id}\t{line.matter}\t{fiscal.format_fiscal_year(line.authorized_fy)}"
                    f"\t限度額 {_yen(line.limit_yen)}\t契約済 {_yen(line.contracted_yen)}"
                    f"\t支出済 {_yen(line.paid_yen)}\t失効額 {_yen(line.lapsed_yen)}"
                )
        if outcome.record is not None and not outcome.already:
            self.stdout.write(f"年度末処理を記録しました（記録 ID {outcome.record.pk}）。")

    @staticmethod
    def _actor(username: str | None) -> User:
        if not username:
            return lifecycle.system_user()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"ユーザーが見つかりません: {username}")
        return user


def _yen(amount: int) -> str:
    return fiscal.format_amount(amount, unit="円") + "円"
