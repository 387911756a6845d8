"""`exposure --as-of DATE --json` counts the commitments and their 限度額 as they stood on that day (by segment and by
commitment), from the books of that day rather than the nightly snapshots."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from commitments.services.projection import projection_refresh_all
from tests.support.factories import make_commitment, make_org

TOKYO = ZoneInfo("Asia/Tokyo")


def _exposure(as_of: str, by: str = "segment") -> dict:
    out = io.StringIO()
    call_command("exposure", "--organization", "基準日市", "--by", by, "--as-of", as_of, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_as_of_counts_the_commitments_approved_by_that_day():
    with time_machine.travel(datetime(2026, 5, 10, 9, 0, tzinfo=TOKYO), tick=False):
        o = make_org("基準日市")
        make_commitment(o, matter="庁舎清掃業務委託", limit_yen=10_000_000)
        make_commitment(o, matter="公用車リース", limit_yen=6_000_000)
        projection_refresh_all(as_of=date(2026, 5, 10))
    with time_machine.travel(datetime(2026, 5, 11, 9, 0, tzinfo=TOKYO), tick=False):
        make_commitment(o, matter="電話交換機保守", limit_yen=3_000_000)
        projection_refresh_all(as_of=date(2026, 5, 11))

    first = _exposure("2026-05-10")
    assert first["as_of"] == "2026-05-10"
    assert (first["commitments"], first["limit_total"]) == (2, 16_000_000)
    second = _exposure("2026-05-11")
    assert (second["commitments"], second["limit_total"]) == (3, 19_000_000)
    # Any day, with or without a nightly snapshot, is read from the books of that day.
    later = _exposure("2026-06-30")
    assert (later["as_of"], later["commitments"], later["limit_total"]) == ("2026-06-30", 3, 19_000_000)
    by_commitment = _exposure("2026-05-10", by="commitment")
    assert [r["label"] for r in by_commitment["rows"]] == ["庁舎清掃業務委託", "公用車リース"]
    assert (by_commitment["commitments"], by_commitment["limit_total"]) == (2, 16_000_000)
    # Before the first approval the books held nothing.
    empty = _exposure("2026-05-09")
    assert (empty["commitments"], empty["limit_total"], empty["rows"]) == (0, 0, [])
