"""Send one subscription's report now, in this process, through the same claim as the scheduled send (cron users)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from commitments.models import ReportDelivery, ReportSubscription
from commitments.services import reports
from commitments.services.errors import ServiceError


class Command(BaseCommand):
    help = (
        "定期報告を1件、同期的に送信します。同じ期間には一度しか送りません（2回目は送信済みと表示して終了）。"
        "--dry-run は送信も記録もせず、件名・宛先・本文を表示します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--subscription", required=True, metavar="NAME", help="定期報告の名称")
        parser.add_argument(
            "--period", metavar="YYYY-MM", help="対象期間（既定：今期。週次 YYYY-Www、日次 YYYY-MM-DD）"
        )
        parser.add_argument("--dry-run", action="store_true", help="送信せずに内容を表示する")

    def handle(self, *args: Any, **options: Any) -> None:
        subscription = (
            ReportSubscription.objects.select_related("organization").filter(name=options["subscription"]).first()
        )
        if subscription is None:
            names = ", ".join(ReportSubscription.objects.order_by("name").values_list("name", flat=True)) or "なし"
            raise CommandError(f"定期報告「{options['subscription']}」はありません（あるもの: {names}）。")
        try:
            period = reports.subscription_period(subscription, options["period"])
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from exc
        if options["dry_run"]:
            built = reports.report_build(subscription=subscription, period=period)
            self.stdout.write(f"件名: {built.subject}\n宛先: {', '.join(built.recipients) or '（なし）'}")
            self.stdout.write(f"添付: {', '.join(a.filename for a in built.attachments) or '（なし）'}\n")
            self.stdout.write(built.text)
            return
        if not subscription.active:
            raise CommandError(f"定期報告「{subscription.name}」は無効です。")
        try:
            outcome = reports.subscription_send_sync(subscription=subscription, period=period)
        except reports.RETRYABLE_ERRORS as exc:
            delivery = ReportDelivery.objects.get(subscription=subscription, period=period.key, resend_of__isnull=True)
            raise CommandError(
                f"{subscription.name} {period.key}: 送信に失敗しました（試行 {delivery.attempts} 回目: {exc}）。"
                "もう一度実行すると再試行します。"
            ) from exc
        delivery = outcome.delivery
        label = f"{subscription.name} {period.key}（送信記録 #{delivery.pk}）"
        if outcome.sent:
            self.stdout.write(self.style.SUCCESS(f"{label}: {delivery.recipients} に送信しました。"))
            return
        if delivery.status == ReportDelivery.Status.SENT:
            sent = timezone.localtime(delivery.sent_at).strftime("%Y-%m-%d %H:%M") if delivery.sent_at else "?"
            self.stdout.write(f"{label}: {sent} に送信済みのため、送信しませんでした。")
            return
        if delivery.status in (ReportDelivery.Status.FAILED, ReportDelivery.Status.SKIPPED):
            raise CommandError(
                f"{label}: {delivery.get_status_display()}（{outcome.note}）。再送は管理画面の送信記録から。"
            )
        self.stdout.write(f"{label}: {delivery.get_status_display()}のため送信しませんでした（{outcome.note}）。")
