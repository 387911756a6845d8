"""Demo data: the J-LIS FY2017 budget's 32 commitments, its segments and one user per role. Idempotent."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.db import transaction

from commitments import fiscal
from commitments.models import Commitment, Organization, Segment, User
from commitments.roles import roles_ensure
from commitments.services import approval
from commitments.services.lifecycle import commitments_rollover
from commitments.services.projection import projection_refresh_all

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "jlis_fy2017_commitments.csv"
JLIS_NAME = "地方公共団体情報システム機構"
JLIS_RESOLUTION = "第13回経営審議委員会 議案第2号（平成29年3月2日）"

JLIS_SEGMENTS = [
    ("general", "一般事業"),
    ("jukinet", "本人確認情報処理事業"),
    ("jpki", "公的個人認証サービス事業"),
    ("mynumber_card", "個人番号カード発行等事業"),
    ("middle_server", "中間サーバー共同化・集約化等事業"),
    ("lgwan", "総合行政ネットワーク運営事業"),
    ("jukinet_related", "本人確認情報処理事業関連事業"),
]


@dataclass(frozen=True)
class DemoUser:
    """A demo login: username, password, role group, staff flag."""

    username: str
    password: str
    group: str
    is_staff: bool
    last_name: str
    email: str


DEMO_USERS = [
    DemoUser("officer", "demo-officer-2017", "finance_officer", True, "財務 担当", "officer@jlis.example"),
    DemoUser("approver", "demo-approver-2017", "approver", True, "承認 者", "approver@jlis.example"),
    DemoUser("auditor", "demo-auditor-2017", "auditor", False, "監査 担当", "auditor@jlis.example"),
    DemoUser("manager", "demo-manager-2017", "management", False, "経営 層", "manager@jlis.example"),
]
DEMO_ADMIN = DemoUser("admin", "demo-admin-2017", "", True, "システム 管理者", "admin@jlis.example")


@dataclass
class DemoResult:
    """What load_demo created or found."""

    organization: Organization
    created_commitments: int
    total_commitments: int
    users: list[DemoUser]


def _user(spec: DemoUser, organization: Organization | None, superuser: bool = False) -> User:
    user, _ = User.objects.get_or_create(username=spec.username)
    user.organization = organization
    user.is_staff = spec.is_staff
    user.is_superuser = superuser
    user.last_name = spec.last_name
    user.email = spec.email
    user.set_password(spec.password)
    user.save()
    if spec.group:
        user.groups.set([Group.objects.get(name=spec.group)])
    return user


@transaction.atomic
def demo_load() -> DemoResult:
    """Load or refresh the demo organization, its segments, users and the 32 approved seed commitments."""
    roles_ensure(django_apps)
    organization, _ = Organization.objects.get_or_create(name=JLIS_NAME, defaults={"short_name": "J-LIS"})
    segments: dict[str, Segment] = {}
    for order, (code, name) in enumerate(JLIS_SEGMENTS, start=1):
        segments[code], _ = Segment.objects.update_or_create(
            organization=organization, code=code, defaults={"name": name, "sort_order": order}
        )
    users = {spec.username: _user(spec, organization) for spec in DEMO_USERS}
    _user(DEMO_ADMIN, None, superuser=True)
    officer, approver = users["officer"], users["approver"]

    created = 0
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            authorized = fiscal.parse_fiscal_year(row["authorized_fy"])
            seq = int(row["seq"])
            if Commitment.objects.filter(organization=organization, authorized_fy=authorized, seq=seq).exists():
                continue
            first, last = fiscal.parse_span(row["burden_years"], context_year=authorized)
            commitment = approval.commitment_create(
                actor=officer,
                organization=organization,
                segment=segments[row["segment"]],
                seq=seq,
                matter=row["matter"],
                limit_yen=fiscal.parse_amount(row["limit_thousand_yen"], unit="千円"),
                limit_text="",
                authorized_fy=authorized,
                first_burden_fy=first,
                last_burden_fy=last,
            )
            approval.commitment_submit(actor=officer, commitment=commitment)
            approval.commitment_approve(actor=approver, commitment=commitment, resolution=JLIS_RESOLUTION)
            created += 1
    commitments_rollover()  # bring the loaded budget to today's state: FY2017 authority without contracts lapsed
    projection_refresh_all()
    total = Commitment.objects.filter(organization=organization).count()
    return DemoResult(
        organization=organization, created_commitments=created, total_commitments=total, users=[*DEMO_USERS, DEMO_ADMIN]
    )
