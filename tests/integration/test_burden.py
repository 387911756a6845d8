"""The burden of the coming years against the fiscal frames: hand-worked figures to the yen, the command's JSON, the
page, the threshold, and frames approved like commitments (segregation of duties, revisions kept)."""

from __future__ import annotations

import datetime
import io
import json
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command

from commitments.models import CommitmentFunding, FiscalFrame, FrameStatus, FundingSource, Organization
from commitments.selectors import burden
from commitments.services import frames
from commitments.services.errors import SegregationOfDutiesError, ServiceError
from commitments.services.projection import projection_refresh
from tests.support.factories import make_commitment

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
TODAY = datetime.date(2026, 6, 1)  # FY2026: the coming years are FY2027 on


@pytest.fixture
def today():
    with time_machine.travel(datetime.datetime(2026, 6, 1, 10, tzinfo=TOKYO), tick=False):
        yield TODAY


def approved_frame(o, fy, *, segment=None, expenditure_yen=None, general_revenue_yen=None):
    """A frame entered and submitted by officer2, approved by the approver."""
    frame = frames.frame_create(
        actor=o.officer2,
        organization=o.organization,
        fiscal_year=fy,
        segment=segment,
        expenditure_yen=expenditure_yen,
        general_revenue_yen=general_revenue_yen,
    )
    frames.frame_submit(actor=o.officer2, frame=frame)
    return frames.frame_approve(actor=o.approver, frame=frame)


@pytest.fixture
def books(org, today):
    """Three approved commitments of FY2026 burdening FY2027 on, two with a stated 財源内訳, projected today.

    A 庁舎改修 一般会計 90,000,000 in FY2027 alone: 国県支出金 30,000,000 / 一般財源 60,000,000.
    B 浄水場保守 水道事業 25,000,000 over FY2027–2028 (equal: 12,500,000 each): 国県支出金 7,000,003 / 一般財源
      17,999,997, so each year's specific part is 12,500,000 × 7,000,003 ÷ 25,000,000 = 3,500,001.5 → 3,500,001.
    C 電算機リース 一般会計 6,000,000 over FY2027–2029 (2,000,000 each), no split: all 一般財源.
    Frame of FY2027 for the whole organization: 歳出総額 1,000,000 千円, 一般財源 400,000 千円.
    """
    sources = {
        name: FundingSource.objects.create(organization=org.organization, name=name, is_general=g, sort_order=i)
        for i, (name, g) in enumerate([("国県支出金", False), ("一般財源", True)])
    }
    common = {"authorized_fy": 2026, "first_burden_fy": 2027}
    a = make_commitment(org, matter="庁舎改修", limit_yen=90_000_000, last_burden_fy=2027, **common)
    b = make_commitment(
        org, matter="浄水場保守", segment=org.other_segment, limit_yen=25_000_000, last_burden_fy=2028, **common
    )
    c = make_commitment(org, matter="電算機リース", limit_yen=6_000_000, last_burden_fy=2029, **common)
    for commitment, specific, general in ((a, 30_000_000, 60_000_000), (b, 7_000_003, 17_999_997)):
        CommitmentFunding.objects.create(
            commitment=commitment, budget_year=2026, source=sources["国県支出金"], amount_yen=specific
        )
        CommitmentFunding.objects.create(
            commitment=commitment, budget_year=2026, source=sources["一般財源"], amount_yen=general
        )
    for commitment in (a, b, c):
        projection_refresh(commitment_id=commitment.pk, as_of=today)
    approved_frame(org, 2027, expenditure_yen=1_000_000_000, general_revenue_yen=400_000_000)
    return {"a": a, "b": b, "c": c}


def _burden(*args: str) -> dict:
    out = io.StringIO()
    call_command("burden", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_share_and_general_revenue_part_to_the_yen(org, books, today):
    data = _burden("--organization", org.organization.name)
    assert data["fiscal_years"] == [2027, 2028, 2029]
    assert data["threshold"] == 0.1
    y2027 = data["totals"]["years"]["2027"]
    # 90,000,000 + 12,500,000 + 2,000,000
    assert y2027["committed_yen"] == 104_500_000
    # 60,000,000 + (12,500,000 − 3,500,001) + 2,000,000
    assert y2027["general_revenue_yen"] == 70_999_999
    assert y2027["frame_yen"] == 1_000_000_000 and y2027["general_frame_yen"] == 400_000_000
    assert y2027["share"] == 0.1045  # 104,500,000 ÷ 1,000,000,000
    assert y2027["general_share"] == 0.1775  # 70,999,999 ÷ 400,000,000 = 0.1774999975
    assert y2027["over_threshold"] is True  # 10.45 % > 10 %
    y2028 = data["totals"]["years"]["2028"]
    assert (y2028["committed_yen"], y2028["general_revenue_yen"]) == (14_500_000, 10_999_999)
    assert (y2028["frame_yen"], y2028["share"], y2028["over_threshold"]) == (None, None, False)
    assert data["totals"]["years"]["2029"]["committed_yen"] == 2_000_000
    rows = {r["segment"]: r["years"] for r in data["rows"]}
    assert rows["一般会計"]["2027"]["committed_yen"] == 92_000_000
    assert rows["一般会計"]["2027"]["general_revenue_yen"] == 62_000_000
    assert rows["水道事業"]["2027"]["general_revenue_yen"] == 8_999_999
    assert rows["一般会計"]["2027"]["share"] is None  # no frame of its own


def test_the_threshold_is_the_organizations(org, books, today):
    Organization.objects.filter(pk=org.organization.pk).update(burden_warning_percent="10.45")
    data = _burden("--organization", org.organization.name)
    assert data["totals"]["years"]["2027"]["over_threshold"] is False  # exactly at the threshold is not above it
    Organization.objects.filter(pk=org.organization.pk).update(burden_warning_percent="10.44")
    data = _burden("--organization", org.organization.name)
    assert data["totals"]["years"]["2027"]["over_threshold"] is True


def test_segment_frames_sum_to_the_total_frame(org, books, today):
    approved_frame(org, 2028, segment=org.segment, expenditure_yen=100_000_000)
    approved_frame(org, 2028, segment=org.other_segment, expenditure_yen=50_000_000)
    data = _burden("--organization", org.organization.name)
    y2028 = data["totals"]["years"]["2028"]
    assert y2028["frame_yen"] == 150_000_000
    assert y2028["share"] == round(14_500_000 / 150_000_000, 6)
    rows = {r["segment"]: r["years"]["2028"] for r in data["rows"]}
    assert rows["水道事業"]["share"] == 0.25  # 12,500,000 ÷ 50,000,000
    assert rows["水道事業"]["over_threshold"] is True


def test_frames_are_approved_by_someone_else_and_a_revision_replaces_on_approval(org, today):
    first = approved_frame(org, 2027, expenditure_yen=1_000_000_000)
    # `officer` holds both roles: whoever entered a frame never approves it.
    revision = frames.frame_create(
        actor=org.officer, organization=org.organization, fiscal_year=2027, expenditure_yen=1_200_000_000
    )
    frames.frame_submit(actor=org.officer, frame=revision)
    with pytest.raises(SegregationOfDutiesError, match="自分が提出した財政見通しは承認できません"):
        frames.frame_approve(actor=org.officer, frame=revision)
    with pytest.raises(ServiceError, match="起案中または承認待ち"):
        frames.frame_create(actor=org.officer2, organization=org.organization, fiscal_year=2027, expenditure_yen=1)
    report = burden.burden_report(organization=org.organization, today=today)
    assert report.totals.years[2027].frame_yen == 1_000_000_000  # the revision counts only once approved
    frames.frame_approve(actor=org.approver, frame=revision)
    first.refresh_from_db()
    assert first.status == FrameStatus.SUPERSEDED
    report = burden.burden_report(organization=org.organization, today=today)
    assert report.totals.years[2027].frame_yen == 1_200_000_000
    assert FiscalFrame.history.filter(id=first.pk).count() == 4  # created, submitted, approved, superseded
    with pytest.raises(ServiceError, match="正の数"):
        frames.frame_create(actor=org.officer2, organization=org.organization, fiscal_year=2028, expenditure_yen=0)


def test_import_frames_all_or_nothing_with_row_errors_in_japanese(org, today):
    from commitments.services.errors import RowErrors
    from commitments.services.frames_import import frames_import

    bad = "\n".join(
        [
            "年度,事業区分,歳出総額,一般財源",
            "令和9年度,,1000000,400000",
            "令和9年度,ガス事業,10,",
            "R10,一般会計,△5,",
            "X,,1,",
        ]
    )
    with pytest.raises(RowErrors) as refused:
        frames_import(actor=org.officer2, organization=org.organization, data=bad.encode(), file_name="f.csv")
    assert refused.value.rows == [
        (3, "事業区分「ガス事業」はこの団体にありません。"),
        (4, "財政見通しの金額は正の数で入力してください。"),
        (5, "年度「X」を読めません。"),
    ]
    assert not FiscalFrame.objects.exists()
    good = "\n".join(
        [
            "（単位：千円）",
            "年度,事業区分,歳出総額（千円）,一般財源（千円）",
            "令和9年度,,1000000,400000",
            "令和10年度,水道事業,50000,",
        ]
    )
    created = frames_import(actor=org.officer2, organization=org.organization, data=good.encode(), file_name="f.csv")
    assert [(f.fiscal_year, f.segment_id, f.expenditure_yen, f.general_revenue_yen, f.status) for f in created] == [
        (2027, None, 1_000_000_000, 400_000_000, FrameStatus.SUBMITTED),
        (2028, org.other_segment.pk, 50_000_000, None, FrameStatus.SUBMITTED),
    ]
    # The same from Excel: numbers as numbers, the unit chosen on upload (百万円).
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["年度", "事業区分", "歳出総額", "一般財源"])
    sheet.append([2029, "一般会計", 1200, 300])
    buffer = io.BytesIO()
    workbook.save(buffer)
    (xlsx,) = frames_import(
        actor=org.officer2, organization=org.organization, data=buffer.getvalue(), file_name="f.xlsx", unit="百万円"
    )
    assert (xlsx.fiscal_year, xlsx.segment_id, xlsx.expenditure_yen, xlsx.general_revenue_yen) == (
        2029,
        org.segment.pk,
        1_200_000_000,
        300_000_000,
    )


def test_page_draws_the_share_and_lists_a_years_commitments(client, org, books, today):
    client.force_login(org.auditor)
    page = client.get("/exposure/burden/", {"year": "2027"})
    assert page.status_code == 200
    html = page.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="burden-chart"' in html
    assert "令和9年度: 10.45% ※" in html  # the chart's text alternative
    assert 'class="threshold"' in html
    assert "10.45% ※" in html
    for c in books.values():
        assert f'href="/commitments/{c.pk}/"' in html  # the commitments making up FY2027
    assert "財政見通しが登録されていない" not in html
    client.force_login(org.manager)
    assert client.get("/exposure/burden/").status_code == 200


def test_page_says_how_to_enter_frames_and_keeps_to_the_organization(client, org, books, today):
    from tests.support.factories import make_org

    other = make_org("別の市", prefix="x-")
    client.force_login(other.auditor)
    html = client.get("/exposure/burden/", {"year": "2027"}).content.decode()
    assert "財政見通しが登録されていないため" in html and "年度, 事業区分, 歳出総額, 一般財源" in html
    assert "庁舎改修" not in html  # another organization's commitments are not listed
    client.force_login(other.officer)  # staff without a reader group may read too, their own organization's
    assert "庁舎改修" not in client.get("/exposure/burden/", {"year": "2027"}).content.decode()


def test_the_page_reads_a_constant_number_of_queries(client, org, books, today):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(org.auditor)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/exposure/burden/", {"year": "2027"}).status_code == 200
        return len(captured)

    first = queries()
    for n in range(5):
        more = make_commitment(
            org,
            matter=f"追加業務{n}",
            limit_yen=1_000_000,
            authorized_fy=2026,
            first_burden_fy=2027,
            last_burden_fy=2028,
        )
        CommitmentFunding.objects.create(
            commitment=more, budget_year=2026, source=FundingSource.objects.get(name="国県支出金"), amount_yen=500_000
        )
        projection_refresh(commitment_id=more.pk, as_of=today)
    assert queries() == first
