"""The data a bench run measures: N generated commitments in one organization, and one user per role."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection

from commitments import fiscal
from commitments.models import APPROVED_STATES, Commitment, Organization, Segment, User

ORGANIZATION = "ベンチマーク団体"
TABLES = ("commitment", "plannedamount", "contract", "installment", "payment")


@dataclass
class BenchData:
    """What the measures work on."""

    organization: Organization
    as_of: date
    officer: User
    approver: User
    auditor: User
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def as_of_fy(self) -> int:
        """The fiscal year of the as-of date."""
        return fiscal.fiscal_year_of(self.as_of)

    @property
    def segment(self) -> Segment:
        """The organization's first segment."""
        return Segment.objects.filter(organization=self.organization).order_by("sort_order", "code").first()  # type: ignore[return-value]

    def projected(self) -> int:
        """Commitments that have projection rows (approved or later)."""
        return Commitment.objects.filter(organization=self.organization, status__in=APPROVED_STATES).count()


def _user(username: str, organization: Organization, group: str, *, staff: bool) -> User:
    user = User.objects.create_user(username=username, organization=organization, is_staff=staff)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.groups.set(Group.objects.filter(name=group))
    return user


def bench_data(*, size: int, seed: int, as_of: date) -> BenchData:
    """Generate `size` commitments with COPY (generate_commitments) and the bench's users."""
    started = time.perf_counter()
    call_command("generate_commitments", size, seed=seed, organization=ORGANIZATION, as_of=as_of, stdout=io.StringIO())
    seconds = time.perf_counter() - started
    organization = Organization.objects.get(name=ORGANIZATION)
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM commitments_{table}")
            counts[table] = cursor.fetchone()[0]
    return BenchData(
        organization=organization,
        as_of=as_of,
        officer=_user("bench-officer", organization, "finance_officer", staff=True),
        approver=_user("bench-approver", organization, "approver", staff=True),
        auditor=_user("bench-auditor", organization, "auditor", staff=False),
        seconds=seconds,
        counts=counts,
    )
