"""Demo data, loaded through the importer: J-LIS's FY2017 table (32 commitments) and 富士市's 令和8年度 調書 (79 rows,
approved and mid-flight with opening balances and funding), their segments and one user per role. Idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.db import transaction

from commitments.models import Commitment, FiscalFrame, FundingSource, Organization, Segment, User
from commitments.roles import roles_ensure
from commitments.services.frames import frame_approve
from commitments.services.frames_import import frames_import
from commitments.services.imports import ImportOptions, import_file
from commitments.services.lifecycle import commitments_rollover
from commitments.services.projection import projection_refresh_all

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DATA_FILE = DATA_DIR / "jlis_fy2017_commitments.csv"
FRAMES_FILE = DATA_DIR / "jlis_fy2017_frames.csv"
# The J-LIS frames are its FY2017 資金計画 (資金支出合計 by business); the later years are held flat, which the
# budget never said: the note on every frame says so.
FRAMES_NOTE = "平成29年度資金計画の資金支出合計（事業別）。平成30年度以降は同額と仮定（デモ用の仮定）"
JLIS_NAME = "地方公共団体情報システム機構"
JLIS_RESOLUTION = "第13回経営審議委員会 議案第2号（平成29年3月2日）"

FUJI_FILE = DATA_DIR / "fuji" / "fuji_R08_2026_chousho_saimufutankoui.csv"
FUJI_NAME = "富士市"
FUJI_RESOLUTION = "令和8年度富士市一般会計予算（債務負担行為に関する調書）"
FUJI_SEGMENTS = [("general", "一般会計")]
FUJI_FUNDING_SOURCES = [("国県支出金", False), ("地方債", False), ("その他", False), ("一般財源", True)]

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
FUJI_USERS = [
    DemoUser(
        "fuji-officer", "demo-fuji-officer-2026", "finance_officer", True, "富士 財務担当", "officer@fuji.example"
    ),
    DemoUser("fuji-approver", "demo-fuji-approver-2026", "approver", True, "富士 承認者", "approver@fuji.example"),
    DemoUser("fuji-auditor", "demo-fuji-auditor-2026", "auditor", False, "富士 監査担当", "auditor@fuji.example"),
    # 経営層: the recipient of 富士市's demo monthly report (sent to the management group of its organization).
    DemoUser("fuji-manager", "demo-fuji-manager-2026", "management", False, "富士 経営層", "manager@fuji.example"),
]


@dataclass
class DemoResult:
    """What load_demo created or found."""

    organization: Organization
    created_commitments: int
    total_commitments: int
    users: list[DemoUser]
    others: list[tuple[Organization, int, int]] = field(default_factory=list)  # (organization, created, total)


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


def _organization(name: str, short_name: str, segments: list[tuple[str, str]]) -> Organization:
    organization, _ = Organization.objects.get_or_create(name=name, defaults={"short_name": short_name})
    for order, (code, segment_name) in enumerate(segments, start=1):
        Segment.objects.update_or_create(
            organization=organization, code=code, defaults={"name": segment_name, "sort_order": order}
        )
    return organization


def _import(path: Path, organization: Organization, officer: User, approver: User, resolution: str) -> int:
    """Import one demo file through the importer; returns the rows created (0 when loaded before)."""
    result = import_file(
        actor=officer,
        approver=approver,
        organization=organization,
        data=path.read_bytes(),
        options=ImportOptions(file_name=path.name, resolution=resolution),
    )
    return result.count("新規")


def _frames(organization: Organization, officer: User, approver: User) -> None:
    """J-LIS's demo frames, imported by the officer and approved by the approver (once)."""
    if FiscalFrame.objects.filter(organization=organization).exists():
        return
    imported = frames_import(
        actor=officer,
        organization=organization,
        data=FRAMES_FILE.read_bytes(),
        file_name=FRAMES_FILE.name,
        note=FRAMES_NOTE,
    )
    for frame in imported:
        frame_approve(actor=approver, frame=frame)


@transaction.atomic
def demo_load() -> DemoResult:
    """Load or refresh the demo organizations, segments, users and their imported budget tables."""
    roles_ensure(django_apps)
    organization = _organization(JLIS_NAME, "J-LIS", JLIS_SEGMENTS)
    users = {spec.username: _user(spec, organization) for spec in DEMO_USERS}
    _user(DEMO_ADMIN, None, superuser=True)
    created = _import(DATA_FILE, organization, users["officer"], users["approver"], JLIS_RESOLUTION)
    _frames(organization, users["officer"], users["approver"])

    fuji = _organization(FUJI_NAME, FUJI_NAME, FUJI_SEGMENTS)
    for order, (name, general) in enumerate(FUJI_FUNDING_SOURCES, start=1):
        FundingSource.objects.update_or_create(
            organization=fuji, name=name, defaults={"is_general": general, "sort_order": order}
        )
    fuji_users = {spec.username: _user(spec, fuji) for spec in FUJI_USERS}
    fuji_created = _import(FUJI_FILE, fuji, fuji_users["fuji-officer"], fuji_users["fuji-approver"], FUJI_RESOLUTION)

    commitments_rollover()  # bring the loaded budgets to today's state: FY2017 authority without contracts lapsed
    projection_refresh_all()
    total = Commitment.objects.filter(organization=organization).count()
    fuji_total = Commitment.objects.filter(organization=fuji).count()
    from commitments.services.reports_schedule import demo_subscriptions_ensure

    demo_subscriptions_ensure()  # one monthly report per organization to its management group
    return DemoResult(
        organization=organization,
        created_commitments=created,
        total_commitments=total,
        users=[*DEMO_USERS, DEMO_ADMIN, *FUJI_USERS],
        others=[(fuji, fuji_created, fuji_total)],
    )
