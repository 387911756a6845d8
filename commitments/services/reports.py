"""Scheduled management reports: the public entry points (subscriptions, sends, resends, previews).

The work is split by concern: reports_schedule (subscriptions and their beat entries), reports_message (the
e-mail from the selectors), reports_chart (the PNG), reports_delivery (claim, send, retry, resend),
reports_period and reports_calendar (periods and business days).
"""

from commitments.services.reports_calendar import first_business_day, is_business_day, is_first_business_day
from commitments.services.reports_delivery import (
    RETRYABLE_ERRORS,
    SendOutcome,
    deliveries_sweep,
    delivery_acquire,
    delivery_claim,
    delivery_resend,
    delivery_send,
    retry_delay,
    subscription_due,
    subscription_period,
    subscription_send_now,
    subscription_send_sync,
)
from commitments.services.reports_message import BuiltReport, report_build, subscription_recipients
from commitments.services.reports_period import Period, period_of, period_parse
from commitments.services.reports_schedule import (
    schedule_sync,
    schedule_validate,
    subscription_delete,
    subscription_save,
)

__all__ = [
    "RETRYABLE_ERRORS",
    "BuiltReport",
    "Period",
    "SendOutcome",
    "deliveries_sweep",
    "delivery_acquire",
    "delivery_claim",
    "delivery_resend",
    "delivery_send",
    "first_business_day",
    "is_business_day",
    "is_first_business_day",
    "period_of",
    "period_parse",
    "report_build",
    "retry_delay",
    "schedule_sync",
    "schedule_validate",
    "subscription_delete",
    "subscription_due",
    "subscription_period",
    "subscription_recipients",
    "subscription_save",
    "subscription_send_now",
    "subscription_send_sync",
]
