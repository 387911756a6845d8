"""The per-cell totals (organization × segment × fiscal year) kept by the database's triggers equal the GROUP BY of
the projection rows after every kind of write: the nightly run's first build and its merge, a commitment's refresh,
concurrent refreshes, deletes, a rolled-back transaction and a TRUNCATE. Pages read these totals, so an auditor's
合計 is only as good as this equality."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, connections, transaction
from django_scopes import scopes_disabled

from commitments.models import Commitment, ProjectionTotal, ProjectionYear
from commitments.services.projection import projection_refresh, projection_refresh_all
from devtools.generate import generate_commitments
from tests.support.factories import make_commitment, make_contract
from tests.support.projection_oracle import assert_totals_equal_rows, stored_totals

AS_OF = date(2025, 9, 30)


@pytest.fixture
def books(db: None) -> None:
    generate_commitments(count=400, seed=7, organization_name="合計照合市", as_of=AS_OF)
    generate_commitments(count=200, seed=8, organization_name="合計照合町", as_of=AS_OF)


def test_nightly_first_build_and_merge_keep_the_totals(books):
    assert ProjectionTotal.objects.count() == 0
    projection_refresh_all(as_of=AS_OF)  # empty table: one INSERT of every row
    assert_totals_equal_rows()
    before = stored_totals()
    projection_refresh_all(as_of=date(2026, 9, 30))  # a year later: the merge updates, deletes and inserts
    assert_totals_equal_rows()
    assert stored_totals() != before  # the year's authority lapsed: the cells moved
    projection_refresh_all(as_of=date(2026, 9, 30))  # nothing changed: nothing written, nothing moves
    assert_totals_equal_rows()


def test_refreshes_deletes_rollbacks_and_truncate_keep_the_totals(org, books):
    projection_refresh_all(as_of=AS_OF)
    commitment = make_commitment(org, matter="合計確認用の保守委託", last_burden_fy=2019)
    projection_refresh(commitment_id=commitment.pk, as_of=date(2017, 6, 1))
    assert_totals_equal_rows()
    make_contract(org, commitment, "T-1", 6_000_000)
    projection_refresh(commitment_id=commitment.pk, as_of=date(2017, 6, 1))
    assert_totals_equal_rows()
    # The commitment's own cell in FY2017: 年割額 3,334,000 (10,000,000 over three years, rounded down to 1,000 yen,
    # the remainder in the first year); the contract's lump sum due 2018-03-31 (6,000,000, unpaid); the 4,000,000
    # not contracted spread the same way from FY2017 (1,334,000).
    cell = ProjectionTotal.objects.get(organization=org.organization, segment=org.segment, fiscal_year=2017)
    assert (cell.planned_yen, cell.contracted_yen, cell.uncontracted_yen, cell.commitments) == (
        3_334_000,
        6_000_000,
        1_334_000,
        1,
    )

    # Rows deleted outside the services (a cascade, a raw statement) leave the totals right too.
    victim = ProjectionYear.objects.filter(commitment__organization__name="合計照合市").values("commitment_id")[:1]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM commitments_projectionyear WHERE commitment_id = %s", [victim[0]["commitment_id"]])
    assert_totals_equal_rows()

    # A refresh rolled back leaves nothing behind.
    before = stored_totals()
    with pytest.raises(RuntimeError), transaction.atomic():
        ProjectionYear.objects.filter(commitment_id=commitment.pk).delete()
        assert stored_totals() != before  # seen inside the transaction
        raise RuntimeError("rolled back")
    assert stored_totals() == before

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's transaction holds deferred foreign-key checks
        cursor.execute("TRUNCATE commitments_projectionyear")
    assert ProjectionTotal.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_in_one_cell_keep_the_totals():
    """Eight threads refresh commitments of one organization and segment at once: the cells they share take every
    delta (no lost update, no deadlock), and the result equals the GROUP BY."""
    generate_commitments(count=120, seed=9, organization_name="同時更新市", as_of=AS_OF)
    projection_refresh_all(as_of=AS_OF)
    ids = list(Commitment.objects.filter(projection__isnull=False).distinct().values_list("pk", flat=True)[:64])
    barrier = threading.Barrier(8, timeout=20)
    errors: list[BaseException] = []

    def work(part: list[int]) -> None:
        try:
            barrier.wait()
            with scopes_disabled():  # a new thread starts with no scope: run as the tests' own thread does
                for pk in part:
                    projection_refresh(commitment_id=pk, as_of=date(2026, 9, 30))
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(ids[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert_totals_equal_rows()
