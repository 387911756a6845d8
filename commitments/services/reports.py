"""Scheduled management reports: the public entry points (subscriptions, sends, resends, previews).

The writes are here: reports_schedule (subscriptions and their beat entries) and reports_delivery (claim, send,
retry, resend). What an e-mail says and looks like is `commitments.reporting` (message, chart, periods, business
days), which reads and writes nothing; its entry points are re-exported for the callers of this module.
"""

from commitments.reporting.calendar import first_business_day, is_business_day, is_first_business_day
from commitments.reporting.message import report_build
from commitments.reporting.mime import BuiltReport
from commitments.reporting.period import Period, period_of
from commitments.selectors.reports import subscription_recipients
from commitments.services.reports_delivery import (
    RETRYABLE_ERRORS,
    SendOutcome,
    deliveries_sweep,
    delivery_acquire,
    delivery_claim,
    delivery_resend,
    delivery_send,
    period_parse,
    retry_delay,
    subscription_due,
    subscription_period,
    subscription_send_now,
    subscription_send_sync,
)
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
