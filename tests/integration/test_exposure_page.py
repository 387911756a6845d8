"""The auditor exposure page: who may see it, what it shows, the CSV download."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import User
from tests.support.factories import make_org


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


@pytest.mark.parametrize(
    ("username", "expected"),
    [(None, 302), ("auditor", 200), ("manager", 200), ("officer", 200), ("approver", 200), ("admin", 200)],
)
def test_exposure_access(client, demo, username, expected):
    if username:
        client.force_login(User.objects.get(username=username))
    assert client.get("/exposure/").status_code == expected


def test_user_without_role_is_forbidden(client, demo):
    user = User.objects.create_user("nobody-in-particular", password="x")
    client.force_login(user)
    assert client.get("/exposure/").status_code == 403


def test_exposure_shows_wareki_years_amounts_and_footer(client, demo):
    client.force_login(User.objects.get(username="auditor"))
    html = client.get("/exposure/").content.decode()
    for header in ["平成29年度", "平成30年度", "令和元年度", "令和5年度"]:
        assert f">{header}<" in html or f">{header}</a>" in html
    assert "構内電話交換機のリース" in html
    assert "1,559" in html  # FY2017 of 構内電話交換機のリース, 千円
    assert "25,395,623" in html  # limit total in the footer, 千円
    assert "5,465,241" in html  # FY2017 total, 千円


def test_segment_filter(client, demo):
    client.force_login(User.objects.get(username="auditor"))
    from commitments.models import Segment

    lgwan = Segment.objects.get(code="lgwan")
    html = client.get("/exposure/", {"segment": lgwan.pk}).content.decode()
    assert "LGWAN運営における第四次LGWAN構築及び運用業務" in html
    assert "構内電話交換機のリース" not in html
    # LGWAN segment: 10 commitments, limits sum to 7,533,445 千円.
    assert "7,533,445" in html


def test_query_count_does_not_grow_with_rows(client, demo):
    client.force_login(User.objects.get(username="auditor"))
    with CaptureQueriesContext(connection) as full:
        assert client.get("/exposure/", {"authorized_fy": "平成29年度"}).context["table"].paginator.count == 32
    with CaptureQueriesContext(connection) as small:
        assert 0 < client.get("/exposure/", {"matter": "LGWAN"}).context["table"].paginator.count < 32
    assert len(full) == len(small)
    # Without a filter the footer's scan also gives the count: one query fewer, never more.
    with CaptureQueriesContext(connection) as unfiltered:
        client.get("/exposure/")
    assert len(unfiltered) == len(full) - 1


def test_csv_download(client, demo):
    client.force_login(User.objects.get(username="auditor"))
    response = client.get("/exposure/export.csv")
    assert response.status_code == 200
    text = response.getvalue().decode("utf-8-sig")
    lines = text.splitlines()
    # The columns of the page (and of its XLSX), in its unit (千円) and era.
    assert lines[0].startswith(
        "番号,事項,事業区分,限度額（千円）,平成29年度（千円）,平成30年度（千円）,令和元年度（千円）"
    )
    assert lines[0].endswith(",合計（千円）")
    assert lines[-2] == ",合計,,25395623,5465241,5709370,5327575,5315933,1213133,1212076,1152295,25395623"
    assert lines[-1] == "※単位未満四捨五入のため、合計と内訳が一致しない場合があります。"  # figures in 千円 are rounded
    assert len(lines) == 35
    in_yen = client.get("/exposure/export.csv", {"unit": "円"}).getvalue().decode("utf-8-sig").splitlines()
    assert in_yen[-1] == (
        ",合計,,25395623000,5465241000,5709370000,5327575000,5315933000,1213133000,1212076000,1152295000,25395623000"
    )


def test_other_organization_sees_nothing_of_jlis(client, demo):
    other = make_org("別の市", prefix="o_")
    client.force_login(other.auditor)
    html = client.get("/exposure/").content.decode()
    assert "構内電話交換機のリース" not in html
    csv_text = client.get("/exposure/export.csv").getvalue().decode("utf-8-sig")
    assert "構内電話交換機" not in csv_text


def test_csv_honours_page_filters(client, demo):
    client.force_login(User.objects.get(username="auditor"))
    text = client.get("/exposure/export.csv", {"matter": "複合機", "unit": "円"}).getvalue().decode("utf-8-sig")
    lines = text.splitlines()
    # 複合機リース(オペ室) 576 千円 FY2017-2021 and 複合機リース(事務室) 1,140 千円 FY2018-2022.
    # The years the two leases burden (FY2017–FY2022), not the organization's FY2023.
    assert lines[0].endswith(",令和4年度（円）,合計（円）")
    assert lines[1] == "18,複合機リース(オペ室),一般事業,576000,116000,115000,115000,115000,115000,0,576000"
    assert lines[2].split(",")[1:] == [
        "複合機リース(事務室)", "一般事業", "1140000", "0", "228000", "228000", "228000", "228000", "228000",
        "1140000",
    ]  # fmt: skip
    assert lines[3] == ",合計,,1716000,116000,343000,343000,343000,343000,228000,1716000"
    assert len(lines) == 4
