"""Load the J-LIS FY2017 demo data and print the demo logins."""

from typing import Any

from django.core.management.base import BaseCommand

from commitments.services.demo import demo_load


class Command(BaseCommand):
    help = (
        "J-LIS 平成29年度予算の債務負担行為32件、富士市 令和8年度の調書79件とデモ利用者を登録します"
        "（何度実行しても同じ結果）。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_load()
        self.stdout.write(
            f"{result.organization.name}: 債務負担行為 {result.total_commitments} 件"
            f"（今回追加 {result.created_commitments} 件）"
        )
        for organization, created, total in result.others:
            self.stdout.write(f"{organization.name}: 債務負担行為 {total} 件（今回追加 {created} 件）")
        self.stdout.write("デモ利用者 (username / password / role):")
        for user in result.users:
            self.stdout.write(f"  {user.username:<10} {user.password:<22} {user.group or 'superuser'}")
