"""load_demo + the exposure command reproduce the J-LIS FY2017 table under the equal rule."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from commitments.models import Commitment, CommitmentEvent, ProjectionYear, Status
from commitments.services.projection import projection_refresh

JLIS = "地方公共団体情報システム機構"

# Worked out from the seed table (千円 x 1,000, equal rule, remainder in each commitment's first year).
EXPECTED_YEARS = {
    "2017": 5_465_241_000,
    "2018": 5_709_370_000,
    "2019": 5_327_575_000,
    "2020": 5_315_933_000,
    "2021": 1_213_133_000,
    "2022": 1_212_076_000,
    "2023": 1_152_295_000,
}


def _exposure(*args: str) -> dict:
    out = io.StringIO()
    call_command("exposure", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_load_demo_then_exposure_json():
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # idempotent
    data = _exposure("--organization", JLIS, "--basis", "planned", "--json")
    assert data["basis"] == "planned"
    assert data["unit"] == "yen"
    assert data["commitments"] == 32
    assert data["limit_total"] == 25_395_623_000
    assert data["fiscal_years"] == [2017, 2018, 2019, 2020, 2021, 2022, 2023]
    assert data["totals"]["years"] == EXPECTED_YEARS
    assert data["totals"]["total"] == 25_395_623_000
    assert len(data["rows"]) == 32
    phone = next(r for r in data["rows"] if r["label"] == "構内電話交換機のリース")
    assert phone["years"]["2017"] == 1_559_000 and phone["years"]["2023"] == 1_555_000
    # Both rows that share one 事項 are kept.
    shared = [
        r for r in data["rows"] if r["label"] == "地方税・地方交付税等の情報処理システムの機器及びソフトウェアのリース"
    ]
    assert sorted(r["total"] for r in shared) == [1_350_000, 996_000_000]
    # Loaded today (FY2026): FY2017 authority with no contract registered lapsed on 1 April 2018 — load_demo
    # brings the books to today's state, through the same rollover service as the 1 April job.
    assert Commitment.objects.filter(status=Status.LAPSED).count() == 32
    assert CommitmentEvent.objects.filter(action="lapse").count() == 32
    # Nothing is left to flow out: no contracts, and the uncontracted authority has lapsed.
    remaining = _exposure("--organization", JLIS, "--remaining-from", "令和8年度", "--json")
    assert remaining["basis"] == "remaining" and remaining["totals"]["total"] == 0


@pytest.mark.django_db
def test_exposure_by_segment_json():
    call_command("load_demo", stdout=io.StringIO())
    data = _exposure("--organization", JLIS, "--by", "segment", "--json")
    by_label = {r["label"]: r["total"] for r in data["rows"]}
    # Sums of the seed limits assigned to each segment (千円 x 1,000).
    assert by_label["個人番号カード発行等事業"] == 15_684_765_000  # 440,640 + 3,033,225 + 12,210,900
    assert by_label["公的個人認証サービス事業"] == 286_880_000  # 9,440 + 277,440
    assert data["totals"]["years"] == EXPECTED_YEARS


@pytest.mark.django_db
def test_set_based_projection_equals_per_commitment_projection():
    call_command("load_demo", stdout=io.StringIO())
    bulk = set(ProjectionYear.objects.values_list("commitment_id", "fiscal_year", "planned_yen", "uncontracted_yen"))
    for pk in Commitment.objects.values_list("pk", flat=True):
        projection_refresh(commitment_id=pk)
    single = set(ProjectionYear.objects.values_list("commitment_id", "fiscal_year", "planned_yen", "uncontracted_yen"))
    assert bulk == single
    jlis = {row for row in bulk if Commitment.objects.get(pk=row[0]).organization.name == JLIS}
    assert len(jlis) == 135  # one row per commitment per burden year (sum of span lengths)


def test_unknown_organization_is_a_clear_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="団体が見つかりません"):
        _exposure("--organization", "存在しない団体", "--json")
