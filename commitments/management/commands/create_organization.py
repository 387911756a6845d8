"""Register a public body: the organization, its default 事業区分 (一般会計), segments, funding sources and users."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from commitments.roles import ROLE_PERMISSIONS
from commitments.services import organizations
from commitments.services.errors import ServiceError
from commitments.services.lifecycle import system_user


class Command(BaseCommand):
    help = (
        "団体を登録します。既定の事業区分「一般会計」（コード general）を作り、事業区分の列のない予算書の表はそこへ"
        "取り込みます。--segment・--funding-source・--user は繰り返し指定できます。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="団体名（例：富士市）")
        parser.add_argument("--short-name", default="", help="略称")
        parser.add_argument(
            "--segment",
            action="append",
            default=[],
            metavar="CODE:NAME",
            help="事業区分（例：water:水道事業会計）。general または 一般会計 を指定すればそれが既定",
        )
        parser.add_argument(
            "--funding-source",
            action="append",
            default=[],
            metavar="NAME",
            help="財源（表示順。例：国県支出金、地方債、その他、一般財源）。省略時は調書の取込で見出しから作成",
        )
        parser.add_argument(
            "--user",
            action="append",
            default=[],
            metavar="LOGIN:ROLE[,ROLE][:EMAIL]",
            help=f"利用者（役割：{'、'.join(ROLE_PERMISSIONS)} または 財務担当・承認者・監査・経営層）。"
            "パスワードは manage.py changepassword LOGIN で設定",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            segments = [organizations.segment_spec_parse(text) for text in options["segment"]]
            users = [organizations.user_spec_parse(text) for text in options["user"]]
            organization = organizations.organization_create(
                actor=system_user(),
                name=options["name"],
                short_name=options["short_name"],
                segments=segments,
                funding_sources=options["funding_source"],
                users=users,
            )
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"団体「{organization.name}」を登録しました（id {organization.pk}）。")
        for segment in organization.segments.order_by("sort_order"):
            self.stdout.write(f"  事業区分 {segment.code}: {segment.name}{'（既定）' if segment.is_default else ''}")
        for source in organization.funding_sources.order_by("sort_order"):
            self.stdout.write(f"  財源 {source.name}{'（一般財源）' if source.is_general else ''}")
        for user in organization.users.order_by("username"):
            roles = "、".join(user.groups.filter(name__in=ROLE_PERMISSIONS).values_list("name", flat=True))
            self.stdout.write(
                f"  利用者 {user.username}: {roles}（パスワード未設定：manage.py changepassword {user.username}）"
            )
        if not organization.users.exists():
            self.stdout.write(
                "取込には財務担当者と承認者（別の人）が必要です："
                "--user で作るか、管理画面の「利用者」で登録してください。"
            )
