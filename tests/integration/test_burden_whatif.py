"""What-if of drafts (nothing counted outside it), the statistics' classes (their totals are the exposure's), and the
J-LIS demo's burden against its FY2017 資金計画."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from commitments.models import Commitment, FiscalFrame, FrameStatus, ProjectionYear, User
from commitments.selectors import burden_whatif
from commitments.services import approval, frames
from tests.integration.test_burden import approved_frame, books, today  # noqa: F401  (fixtures)
from tests.support.factories import make_amendment, make_commitment

JLIS = "地方公共団体情報システム機構"


def _command(name: str, *args: str) -> dict:
    out = io.StringIO()
    call_command(name, *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def _everything_else(org) -> dict:
    """What the other surfaces read: burden, statistics, exposure, the stored rows."""
    name = org.organization.name
    return {
        "burden": _command("burden", "--organization", name),
        "statistics": _command("burden", "--organization", name, "--statistics"),
        "exposure": _command("exposure", "--organization", name, "--basis", "total"),
        "rows": sorted(ProjectionYear.objects.values_list("commitment_id", "fiscal_year", "uncontracted_yen")),
    }


def test_drafts_added_and_removed_in_what_if_change_nothing_else(client, org, books, today):  # noqa: F811
    before = _everything_else(org)
    common = {"authorized_fy": 2026, "first_burden_fy": 2027}
    draft = make_commitment(org, approve=False, matter="窓口委託", limit_yen=3_000_000, last_burden_fy=2027, **common)
    submitted = make_commitment(
        org,
        approve=False,
        matter="管路点検",
        segment=org.other_segment,
        limit_yen=4_000_000,
        last_burden_fy=2028,
        **common,
    )
    approval.commitment_submit(actor=org.officer2, commitment=submitted)
    amendment = make_amendment(org, books["a"], submit=False, approve=False, new_limit_yen=100_000_000)
    keys = [f"c{draft.pk}", f"c{submitted.pk}", f"a{amendment.pk}"]
    assert {c.key for c in burden_whatif.what_if_choices(org.organization)} == set(keys)

    current, after = burden_whatif.burden_what_if(organization=org.organization, keys=keys, as_of=None, today=today)
    assert current.totals.years[2027].committed_yen == 104_500_000
    # + 3,000,000 (draft) + 2,000,000 (submitted, FY2027 half) + 10,000,000 (補正: 90,000,000 → 100,000,000)
    assert after.totals.years[2027].committed_yen == 119_500_000
    assert after.totals.years[2027].share == 0.1195
    # 一般財源: + 3,000,000 + 2,000,000 (no split: all general) + 10,000,000 − 10,000,000 × 30/90 (3,333,333)
    assert after.totals.years[2027].general_revenue_yen == 70_999_999 + 3_000_000 + 2_000_000 + 6_666_667
    assert after.totals.years[2028].committed_yen == 14_500_000 + 2_000_000

    # The page: before and after, year by year; and the draft's own admin page, share before and after.
    client.force_login(org.auditor)
    html = client.get("/exposure/burden/", {"include": keys}).content.decode()
    assert "令和9年度: 10.45% → 11.95% ※" in html and 'id="what-if-note"' in html
    client.force_login(org.officer2)
    admin_page = client.get(f"/admin/commitments/commitment/{draft.pk}/change/").content.decode()
    assert 'id="what-if-burden"' in admin_page
    assert "10.45% ※" in admin_page and "10.75% ※" in admin_page  # 107,500,000 ÷ 1,000,000,000
    amendment_page = client.get(f"/admin/commitments/amendment/{amendment.pk}/change/").content.decode()
    assert "11.45% ※" in amendment_page  # 114,500,000 ÷ 1,000,000,000

    # Removed from the what-if (or never asked): every other surface reads as before.
    assert _everything_else(org) == before
    client.force_login(org.auditor)
    html = client.get("/exposure/burden/").content.decode()
    assert "令和9年度: 10.45% ※" in html and "11.95%" not in html and "窓口委託" in html  # offered, not counted
    assert not Commitment.objects.filter(pk=draft.pk, projection__isnull=False).exists()
    # Another organization's draft is never offered or counted.
    from tests.support.factories import make_org

    other = make_org("別の市", prefix="x-")
    foreign = make_commitment(
        other, approve=False, matter="他市の起案", limit_yen=900_000_000, last_burden_fy=2027, **common
    )
    html = client.get("/exposure/burden/", {"include": [f"c{foreign.pk}"]}).content.decode()
    assert "他市の起案" not in html and 'id="what-if-note"' not in html and "令和9年度: 10.45% ※" in html


def test_statistics_classes_total_the_exposure_and_the_mapping_is_the_organizations(client, org, books, today):  # noqa: F811
    Commitment.objects.filter(pk=books["a"].pk).update(kind="construction")
    Commitment.objects.filter(pk=books["b"].pk).update(kind="guarantee")
    Commitment.objects.filter(pk=books["c"].pk).update(kind="subsidy")
    name = org.organization.name
    data = _command("burden", "--organization", name, "--statistics")
    rows = {r["class"]: r["years"] for r in data["rows"]}
    assert rows["purchase"] == {"2027": 90_000_000, "2028": 0, "2029": 0}
    assert rows["guarantee"] == {"2027": 12_500_000, "2028": 12_500_000, "2029": 0}
    assert rows["other"] == {"2027": 2_000_000, "2028": 2_000_000, "2029": 2_000_000}
    exposure = _command("exposure", "--organization", name, "--basis", "total", "--remaining-from", "2027")
    assert data["totals"]["years"] == {fy: exposure["totals"]["years"][fy] for fy in ("2027", "2028", "2029")}
    assert data["totals"]["total"] == exposure["totals"]["total"] == 121_000_000  # 104.5 + 14.5 + 2 百万円

    frames.kind_class_set(
        actor=org.officer2, organization=org.organization, kind="construction", statistics_class="other"
    )
    data = _command("burden", "--organization", name, "--statistics")
    rows = {r["class"]: r["years"] for r in data["rows"]}
    assert rows["purchase"]["2027"] == 0 and rows["other"]["2027"] == 92_000_000
    assert {"kind": "工事・施設整備", "class": "その他", "organization": True} in data["mapping"]
    client.force_login(org.auditor)
    page = client.get("/exposure/burden/statistics/")
    assert "92,000" in page.content.decode() and "団体の設定" in page.content.decode()
    workbook = client.get("/exposure/burden/statistics/export.xlsx")
    assert workbook.status_code == 200 and workbook["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.django_db
def test_jlis_demo_burden_against_its_fy2017_cash_plan(client):
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # idempotent: the frames are not entered twice
    jlis = FiscalFrame.objects.filter(organization__name=JLIS)
    assert jlis.count() == 49 and set(jlis.values_list("status", flat=True)) == {FrameStatus.APPROVED}
    assert all("デモ用の仮定" in note for note in jlis.values_list("note", flat=True))
    assert not FiscalFrame.objects.filter(organization__name="富士市").exists()
    data = _command("burden", "--organization", JLIS, "--as-of", "2017-04-01")
    assert data["fiscal_years"] == [2018, 2019, 2020, 2021, 2022, 2023]
    y2018 = data["totals"]["years"]["2018"]
    # The 32 commitments under the equal rule, against 資金支出合計 55,253,707 千円 held flat.
    assert y2018["committed_yen"] == 5_709_370_000
    assert y2018["frame_yen"] == 55_253_707_000
    assert y2018["share"] == round(5_709_370_000 / 55_253_707_000, 6) == 0.10333
    assert y2018["over_threshold"] is True
    assert data["totals"]["years"]["2019"]["over_threshold"] is False  # 5,327,575 / 55,253,707 = 9.64 %
    frames_2018 = {r["segment"]: r["years"]["2018"]["frame_yen"] for r in data["rows"]}
    assert frames_2018["個人番号カード発行等事業"] == 33_924_352_000
    assert sum(frames_2018.values()) == 55_253_707_000

    client.force_login(User.objects.get(username="auditor"))
    html = client.get("/exposure/burden/", {"as_of": "2017-04-01"}).content.decode()
    assert "平成30年度: 10.33% ※" in html and "5,709,370" in html and "55,253,707" in html
    client.force_login(User.objects.get(username="fuji-auditor"))
    html = client.get("/exposure/burden/").content.decode()
    assert "財政見通しが登録されていないため" in html


def test_the_what_if_list_is_bounded_and_keeps_what_is_included(client, org, books, today, monkeypatch):  # noqa: F811
    """The page offers the newest drafts only (its cost must not grow with thousands of drafts); a draft added from
    its own admin page (?include=c<id>) stays offered and counted even when it is not among the newest."""
    common = {"authorized_fy": 2026, "first_burden_fy": 2027, "last_burden_fy": 2027}
    oldest, middle, newest = (
        make_commitment(org, approve=False, matter=matter, limit_yen=1_000_000, **common)
        for matter in ("最初の起案", "二番目の起案", "三番目の起案")
    )
    assert [c.key for c in burden_whatif.what_if_choices(org.organization, limit=2)] == [
        f"c{middle.pk}",
        f"c{newest.pk}",
    ]
    assert {c.key for c in burden_whatif.what_if_choices(org.organization, limit=2, included=(f"c{oldest.pk}",))} == {
        f"c{oldest.pk}",
        f"c{middle.pk}",
        f"c{newest.pk}",
    }
    assert burden_whatif.what_if_candidates(org.organization) == 3

    monkeypatch.setattr(burden_whatif, "WHAT_IF_LIST_MAX", 2)
    client.force_login(org.auditor)
    html = client.get("/exposure/burden/").content.decode()
    assert "最初の起案" not in html and "三番目の起案" in html
    assert "全 3 件のうち新しいもの 2 件を表示しています。" in html
    html = client.get("/exposure/burden/", {"include": [f"c{oldest.pk}"]}).content.decode()
    assert "最初の起案" in html and 'id="what-if-note"' in html
    # 104,500,000 (the books) + 1,000,000 (the oldest draft, all in FY2027) against a frame of 1,000,000 千円
    assert "令和9年度: 10.45% → 10.55% ※" in html
