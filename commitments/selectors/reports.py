"""Report reads: who receives a subscription's e-mail, and the delivery its figures are compared with."""

from __future__ import annotations

from django.db.models import Q

from commitments.models import ReportDelivery, ReportSubscription, User
from commitments.models.reports import split_addresses


def subscription_recipients(subscription: ReportSubscription) -> list[str]:
    """Addresses of the chosen active users, of the organization's active users in the chosen groups, and free ones."""
    users = (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(pk__in=subscription.recipient_users.values("pk"))
            | Q(organization_id=subscription.organization_id, groups__in=subscription.recipient_groups.values("pk"))
        )
        .values_list("email", flat=True)
        .distinct()
    )
    seen: dict[str, str] = {}
    for address in [*users, *split_addresses(subscription.extra_addresses)]:
        seen.setdefault(address.lower(), address)
    return sorted(seen.values(), key=str.lower)


def previous_sent_delivery(
    subscription: ReportSubscription, *, before_period: str, exclude_id: int | None = None
) -> ReportDelivery | None:
    """The subscription's last successful delivery of a period before this one (not `exclude_id`)."""
    return (
        ReportDelivery.objects.filter(
            subscription=subscription, status=ReportDelivery.Status.SENT, period__lt=before_period
        )
        .exclude(pk=exclude_id)
        .order_by("-period", "-sent_at", "-id")
        .first()
    )
