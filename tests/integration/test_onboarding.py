"""A new public body without a shell: `create_organization` (or the admin, for superusers) makes the organization with
its default 事業区分 一般会計, segments, funding sources and users with roles; a book without a 事業区分 column
imports into the default segment; the import page offers the organization's segments.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from commitments.models import Commitment, FundingSource, ImportJob, ImportJobStatus, Organization, Segment, User
from tests.support.factories import make_org
from tests.support.fuji import FUJI_CHOUSHO, FUJI_CHOUSHO_TOTALS, FUJI_R8

CHOUSHO, R8 = FUJI_CHOUSHO, FUJI_R8
NOW = datetime.datetime(2026, 4, 15, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("root", "root@example.jp", "pw-root")


def test_a_clean_database_to_the_chousho_with_commands_only(db):
    with time_machine.travel(NOW, tick=True):
        out = run(
            "create_organization", "富士市", "--short-name", "富士", "--segment", "water:水道事業会計",
            "--funding-source", "国県支出金", "--funding-source", "地方債", "--funding-source", "その他",
            "--funding-source", "一般財源", "--user", "tanaka:finance_officer", "--user", "suzuki:承認者:s@example.jp",
            "--user", "sato:監査",
        )  # fmt: skip
        assert "団体「富士市」を登録しました" in out and "事業区分 general: 一般会計（既定）" in out
        assert "利用者 tanaka: finance_officer（パスワード未設定：manage.py changepassword tanaka）" in out
        imported = run("import_commitments", str(CHOUSHO), "--organization", "富士市")  # two segments, no --segment
        assert "新規 79 件を登録しました" in imported
        data = json.loads(run("chousho", "--organization", "富士市", "--fy", "2026", "--json"))
    assert data["totals"] == FUJI_CHOUSHO_TOTALS  # the 合計 row as printed
    organization = Organization.objects.get(name="富士市")
    assert organization.short_name == "富士"
    assert list(organization.segments.values_list("code", "name", "is_default")) == [
        ("general", "一般会計", True),
        ("water", "水道事業会計", False),
    ]
    assert set(Commitment.objects.values_list("segment__code", flat=True)) == {"general"}
    assert list(FundingSource.objects.values_list("name", "is_general")) == [
        ("国県支出金", False),
        ("地方債", False),
        ("その他", False),
        ("一般財源", True),
    ]
    tanaka, suzuki, sato = (User.objects.get(username=name) for name in ("tanaka", "suzuki", "sato"))
    assert [list(u.groups.values_list("name", flat=True)) for u in (tanaka, suzuki, sato)] == [
        ["finance_officer"],
        ["approver"],
        ["auditor"],
    ]
    assert (tanaka.is_staff, suzuki.is_staff, sato.is_staff) == (True, True, False)
    assert suzuki.email == "s@example.jp" and not tanaka.has_usable_password()
    assert Commitment.objects.filter(submitted_by=tanaka, approved_by=suzuki).count() == 79
    logged = LogEntry.objects.filter(action_flag=ADDITION, user__username="system")
    assert logged.filter(object_repr="富士市").exists() and logged.filter(object_repr="水道事業会計").exists()


def test_a_segment_given_as_general_is_the_default(db):
    run("create_organization", "機構", "--segment", "general:一般事業", "--segment", "jpki:公的個人認証サービス事業")
    assert list(Segment.objects.values_list("code", "name", "is_default")) == [
        ("general", "一般事業", True),
        ("jpki", "公的個人認証サービス事業", False),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["富士市", "--segment", "水道事業会計"], "コード:名称"),
        (["富士市", "--segment", "w:水道", "--segment", "w:下水道"], "重複"),
        (["富士市", "--user", "tanaka:会計管理者"], "役割"),
        (["富士市", "--funding-source", "一般財源", "--funding-source", "一般財源"], "財源"),
    ],
)
def test_bad_options_are_refused_and_nothing_is_created(db, args, message):
    with pytest.raises(CommandError, match=message):
        run("create_organization", *args)
    assert not Organization.objects.exists() and not User.objects.exclude(username="system").exists()


def test_an_existing_organization_is_not_created_twice(db):
    run("create_organization", "富士市")
    with pytest.raises(CommandError, match="登録済"):
        run("create_organization", "富士市")


def test_without_users_the_import_says_how_to_add_them(db):
    run("create_organization", "富士市")
    with pytest.raises(CommandError, match="create_organization の --user"):
        run("import_commitments", str(CHOUSHO), "--organization", "富士市")


# --- the admin ---------------------------------------------------------------------------------------------------


def test_a_superuser_adds_an_organization_in_the_admin(admin_user, client):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:commitments_organization_add"),
        {
            "name": "常総市",
            "short_name": "常総",
            "segments": "water:水道事業会計\nsewer:下水道事業会計",
            "funding_sources": "国庫支出金\n県支出金\n地方債\n一般財源",
        },
    )
    assert response.status_code == 302
    organization = Organization.objects.get(name="常総市")
    assert list(organization.segments.values_list("code", "is_default")) == [
        ("general", True),
        ("water", False),
        ("sewer", False),
    ]
    assert list(organization.funding_sources.values_list("name", flat=True)) == [
        "国庫支出金",
        "県支出金",
        "地方債",
        "一般財源",
    ]
    assert LogEntry.objects.filter(user=admin_user, object_repr="常総市", action_flag=ADDITION).count() == 1
    bad = client.post(reverse("admin:commitments_organization_add"), {"name": "坂東市", "segments": "坂東"})
    assert bad.status_code == 200 and "コード:名称" in bad.content.decode()
    assert not Organization.objects.filter(name="坂東市").exists()


def test_only_superusers_add_organizations(db, client):
    o = make_org("富士市")
    client.force_login(o.officer)
    assert client.get(reverse("admin:commitments_organization_add")).status_code == 403


def test_a_superuser_adds_a_user_with_organization_and_roles(admin_user, client):
    organization = Organization.objects.create(name="富士市")
    client.force_login(admin_user)
    page = client.get(reverse("admin:commitments_user_add")).content.decode()
    assert "財務担当" in page and "承認者" in page and "経営層" in page
    response = client.post(
        reverse("admin:commitments_user_add"),
        {
            "username": "yamada",
            "usable_password": "true",
            "password1": "Fuji-officer-2026!",
            "password2": "Fuji-officer-2026!",
            "last_name": "山田",
            "email": "yamada@example.jp",
            "organization": organization.pk,
            "roles": ["finance_officer", "auditor"],
        },
    )
    assert response.status_code == 302
    yamada = User.objects.get(username="yamada")
    assert (yamada.organization, yamada.is_staff, yamada.last_name) == (organization, True, "山田")
    assert sorted(yamada.groups.values_list("name", flat=True)) == ["auditor", "finance_officer"]
    assert yamada.check_password("Fuji-officer-2026!")
    change = reverse("admin:commitments_user_change", args=[yamada.pk])
    checked = re.findall(r'name="roles" value="(\w+)"[^>]*checked', client.get(change).content.decode())
    assert sorted(checked) == ["auditor", "finance_officer"]
    response = client.post(
        change,
        {
            "username": "yamada",
            "last_name": "山田",
            "email": "yamada@example.jp",
            "organization": organization.pk,
            "roles": ["approver"],
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "2026-04-01",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(yamada.groups.values_list("name", flat=True)) == ["approver"]
    roleless = client.post(
        reverse("admin:commitments_user_add"),
        {"username": "nobody", "usable_password": "false", "roles": ["approver"]},
    )
    assert roleless.status_code == 200 and "役割のある利用者には団体を指定してください。" in roleless.content.decode()


def test_the_import_page_offers_the_organizations_segments(db, client):
    o = make_org("富士市")
    Segment.objects.filter(pk=o.segment.pk).update(is_default=True)
    other = make_org("別の市", prefix="other-")
    Segment.objects.create(organization=other.organization, code="port", name="港湾事業")
    client.force_login(o.officer2)
    page = client.get(reverse("admin:commitments_importjob_add")).content.decode()
    assert '<option value="general">一般会計（general）・既定</option>' in page
    assert '<option value="water">水道事業（water）</option>' in page and "港湾事業" not in page
    add = reverse("admin:commitments_importjob_add")
    refused = client.post(add, {"file": SimpleUploadedFile(R8.name, R8.read_bytes()), "segment": "port"})
    assert refused.status_code == 200 and not ImportJob.objects.exists()
    client.post(add, {"file": SimpleUploadedFile(R8.name, R8.read_bytes()), "budget_year": "令和8年度"})
    job = ImportJob.objects.get()  # no segment chosen: the default one
    assert job.status == ImportJobStatus.PREVIEWED and job.row_count == 33
    preview = client.get(reverse("admin:commitments_importjob_change", args=[job.pk])).content.decode()
    assert "列『印刷頁』は読み取りませんでした" in preview and "列『事項_印刷改行』は読み取りませんでした" in preview


def test_a_segment_is_made_the_default_from_the_segment_list(admin_user, client):
    o = make_org("富士市")
    Segment.objects.filter(pk=o.segment.pk).update(is_default=True)
    client.force_login(admin_user)
    client.post(
        reverse("admin:commitments_segment_changelist"),
        {"action": "make_default", "_selected_action": [o.other_segment.pk]},
    )
    assert list(Segment.objects.filter(is_default=True).values_list("code", flat=True)) == ["water"]
    assert LogEntry.objects.filter(user=admin_user, object_repr="水道事業").exists()


def test_a_refusal_of_the_service_is_a_message_not_an_error_page(admin_user, client):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:commitments_organization_add"),
        {"name": "坂東市", "segments": "water:水道事業会計\nwater:下水道事業会計"},
        follow=True,
    )
    assert response.status_code == 200 and "事業区分のコードまたは名称が重複しています。" in response.content.decode()
    assert not Organization.objects.filter(name="坂東市").exists()
