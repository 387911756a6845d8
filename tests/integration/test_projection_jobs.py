"""Projection jobs: the 1 April rollover at the boundary, snapshots, idempotent and concurrent refreshes, staleness."""

from __future__ import annotations

import datetime
import io
import json
import threading
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django_scopes import scopes_disabled

from commitments.models import Commitment, CommitmentEvent, ProjectionSnapshot, ProjectionYear, Status
from commitments.services import approval, contracts, lifecycle, payments, projection
from tests.support.factories import make_commitment, make_org
from tests.support.polling import wait_for

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def _rows(commitment: Commitment) -> dict[int, tuple[int, int, int]]:
    return {
        p.fiscal_year: (p.paid_yen, p.contracted_yen, p.uncontracted_yen)
        for p in ProjectionYear.objects.filter(commitment=commitment).order_by("fiscal_year")
    }


@pytest.fixture
def half_contracted(org):
    """10,000,000 authorised in FY2017 for FY2017–2019; one contract of 6,000,000 paid annually."""
    commitment = make_commitment(org, limit_yen=10_000_000, last_burden_fy=2019)
    contracts.contract_register(
        actor=org.officer2,
        commitment=commitment,
        contract_no="H29-050",
        counterparty="株式会社半分",
        signed_on=datetime.date(2017, 7, 1),
        start_on=datetime.date(2017, 7, 1),
        end_on=datetime.date(2020, 3, 31),
        amount_yen=6_000_000,
        payment_terms="annual",
    )
    return Commitment.objects.get(pk=commitment.pk)


def test_half_contracted_authority_lapses_at_midnight_on_1_april(org, half_contracted):
    untouched = make_commitment(org, matter="契約のない債務負担行為", limit_yen=3_000_000, last_burden_fy=2018)
    # annual terms over 2017-07 … 2020-03 (33 months): periods of 12, 12 and 9 months → due 2018-06-30 (FY2018),
    # 2019-06-30 (FY2019) and 2020-03-31 (FY2019): 6,000,000 × 12/33 = 2,181,818, the same, and 6,000,000 × 9/33
    # = 1,636,363; the 1 yen left goes to the first: FY2018 2,181,819, FY2019 2,181,818 + 1,636,363 = 3,818,181.
    with time_machine.travel(datetime.datetime(2018, 3, 31, 23, 59, 59, tzinfo=TOKYO), tick=False):
        result = lifecycle.commitments_rollover()
        assert result.lapsed == [] and result.closed_remainder == []
        projection.projection_refresh(commitment_id=half_contracted.pk)
        # Still FY2017: 4,000,000 uncontracted spread over 2017–2019 (1,334,000 / 1,333,000 / 1,333,000).
        assert _rows(half_contracted) == {
            2017: (0, 0, 1_334_000),
            2018: (0, 2_181_819, 1_333_000),
            2019: (0, 3_818_181, 1_333_000),
        }
    with time_machine.travel(datetime.datetime(2018, 4, 1, 0, 5, tzinfo=TOKYO), tick=False):
        result = lifecycle.commitments_rollover()
        assert result.lapsed == [untouched.pk]
        assert result.closed_remainder == [half_contracted.pk]
        assert lifecycle.commitments_rollover().lapsed == []  # a rerun changes nothing twice
        projection.projection_refresh(commitment_id=half_contracted.pk)
        projection.projection_refresh(commitment_id=untouched.pk)
    # Only the contract is left: 6,000,000 in all, nothing uncontracted.
    assert _rows(half_contracted) == {2017: (0, 0, 0), 2018: (0, 2_181_819, 0), 2019: (0, 3_818_181, 0)}
    assert Commitment.objects.get(pk=half_contracted.pk).status == Status.ACTIVE
    note = CommitmentEvent.objects.get(commitment=half_contracted, action="lapse_remainder").note
    assert note == "未契約の限度額 4,000,000円 は失効（契約済 6,000,000円 のみ存続）"
    lapsed = Commitment.objects.get(pk=untouched.pk)
    assert lapsed.status == Status.LAPSED
    assert lapsed.history.get(status=Status.LAPSED).history_user.username == "system"
    assert _rows(lapsed) == {2017: (0, 0, 0), 2018: (0, 0, 0)}


def test_fully_paid_commitment_completes_at_rollover(org):
    commitment = make_commitment(org, limit_yen=2_000_000, last_burden_fy=2018)
    contract = contracts.contract_register(
        actor=org.officer2,
        commitment=commitment,
        contract_no="H29-077",
        counterparty="株式会社完了",
        signed_on=datetime.date(2017, 5, 1),
        start_on=datetime.date(2017, 5, 1),
        end_on=datetime.date(2018, 3, 31),
        amount_yen=1_500_000,
        payment_terms="lump_sum",
    ).contract
    with time_machine.travel(datetime.datetime(2018, 3, 30, 15, 0, tzinfo=TOKYO), tick=False):
        payments.payment_record(
            actor=org.officer2, contract=contract, paid_on=datetime.date(2018, 3, 30), amount_yen=1_500_000
        )
    # Paid in full, but 500,000 of authority could still be contracted until 31 March: not completed yet.
    assert Commitment.objects.get(pk=commitment.pk).status == Status.ACTIVE
    with time_machine.travel(datetime.datetime(2018, 4, 1, 0, 5, tzinfo=TOKYO), tick=False):
        result = lifecycle.commitments_rollover()
    assert result.completed == [commitment.pk]
    assert Commitment.objects.get(pk=commitment.pk).status == Status.COMPLETED


def test_project_all_keeps_a_snapshot_per_as_of_date_and_the_command_reads_the_books_of_a_day(org):
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    with time_machine.travel(datetime.datetime(2017, 5, 15, 10, tzinfo=tokyo), tick=False):
        commitment = make_commitment(org, limit_yen=10_000_000, last_burden_fy=2019)
        make_commitment(org, matter="水道施設保守", segment=org.other_segment, limit_yen=900_000, last_burden_fy=2018)
    with time_machine.travel(datetime.datetime(2017, 7, 1, 10, tzinfo=tokyo), tick=False):
        contracts.contract_register(
            actor=org.officer2,
            commitment=commitment,
            contract_no="H29-050",
            counterparty="株式会社半分",
            signed_on=datetime.date(2017, 7, 1),
            start_on=datetime.date(2017, 7, 1),
            end_on=datetime.date(2020, 3, 31),
            amount_yen=6_000_000,
            payment_terms="annual",
        )
    projection.projection_refresh_all(as_of=datetime.date(2017, 6, 1))
    projection.projection_refresh_all(as_of=datetime.date(2018, 6, 1))
    assert sorted(set(ProjectionSnapshot.objects.values_list("as_of", flat=True))) == [
        datetime.date(2017, 6, 1),
        datetime.date(2018, 6, 1),
    ]
    out = io.StringIO()
    call_command("exposure", "--by", "segment", "--basis", "total", "--as-of", "2017-12-31", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["as_of"] == "2017-12-31"  # the books at the end of that day, rebuilt from the records
    # FY2017 as of 2017-12-31: the 6,000,000 contract + 4,000,000 uncontracted = 10,000,000;
    # 水道施設保守 900,000 live (450,000 / 450,000).
    by_label = {r["label"]: r["total"] for r in data["rows"]}
    assert by_label == {"一般会計": 10_000_000, "水道事業": 900_000}
    assert (data["commitments"], data["limit_total"]) == (2, 10_900_000)
    out = io.StringIO()
    call_command(
        "exposure", "--by", "segment", "--as-of", "2018-06-01", "--remaining-from", "H30", "--json", stdout=out
    )
    data = json.loads(out.getvalue())
    # As of FY2018 only the contract remains (uncontracted lapsed): 2,181,820 + 3,818,180; 水道 lapsed: 0.
    assert data["basis"] == "remaining" and data["from_fiscal_year"] == 2018
    assert {r["label"]: r["total"] for r in data["rows"]} == {"一般会計": 6_000_000, "水道事業": 0}


def test_project_outflows_command_runs_the_services(org, half_contracted):
    out = io.StringIO()
    call_command("project_outflows", "--commitment", str(half_contracted.pk), "--as-of", "2017-06-01", stdout=out)
    assert "推計 3 行を書き込みました" in out.getvalue()
    out = io.StringIO()
    call_command("project_outflows", "--all", "--as-of", "2017-06-01", stdout=out)
    assert "推計 3 行を書き込みました" in out.getvalue()
    assert not Commitment.objects.filter(needs_projection=True).exists()


@pytest.mark.django_db(transaction=True)
def test_refresh_twice_or_concurrently_gives_identical_rows():
    o = make_org()
    commitment = make_commitment(o, limit_yen=10_000_000, last_burden_fy=2019)
    contracts.contract_register(
        actor=o.officer2,
        commitment=commitment,
        contract_no="H29-100",
        counterparty="株式会社並行",
        signed_on=datetime.date(2017, 6, 1),
        start_on=datetime.date(2017, 6, 1),
        end_on=datetime.date(2019, 5, 31),
        amount_yen=7_200_000,
        payment_terms="monthly",
    )
    as_of = datetime.date(2017, 8, 1)
    projection.projection_refresh(commitment_id=commitment.pk, as_of=as_of)
    first = _rows(commitment)
    projection.projection_refresh(commitment_id=commitment.pk, as_of=as_of)
    assert _rows(commitment) == first

    barrier = threading.Barrier(4, timeout=10)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            with scopes_disabled():  # a new thread starts with no scope: run as the tests' own thread does
                projection.projection_refresh(commitment_id=commitment.pk, as_of=as_of)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert _rows(commitment) == first
    assert ProjectionYear.objects.filter(commitment=commitment).count() == 3
    # 7,200,000 monthly over 24 months: 300,000 a month; FY2017 June–March 10 months, FY2018 12, FY2019 2.
    assert first == {2017: (0, 3_000_000, 934_000), 2018: (0, 3_600_000, 933_000), 2019: (0, 600_000, 933_000)}


@pytest.mark.django_db(transaction=True)
def test_broker_unreachable_leaves_the_commitment_stale_until_the_sweep(client, caplog):
    from devtools.servers import free_port
    from jlis_commitments.celery import app

    o = make_org()
    commitment = make_commitment(o, approve=False)
    approval.commitment_submit(actor=o.officer2, commitment=commitment)
    real_broker = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there: Redis is "down"
    app.amqp._producer_pool = None  # publishers pick up the broker URL again
    try:
        approved = approval.commitment_approve(actor=o.approver, commitment=commitment, resolution="決裁")
    finally:
        app.conf.broker_url = real_broker
        app.amqp._producer_pool = None
    assert approved.status == Status.APPROVED  # the approval committed
    assert "left for the sweep" in caplog.text  # publishing really failed (connection refused)
    assert "Connection refused" in caplog.text or "Error 111" in caplog.text
    assert Commitment.objects.get(pk=commitment.pk).needs_projection is True
    assert not ProjectionYear.objects.filter(commitment=commitment).exists()
    client.force_login(o.auditor)
    page = client.get("/exposure/").content.decode()
    assert "推計を更新中です：1 件の債務負担行為は最新の変更がまだ反映されていません" in page

    projection.projection_refresh_all()  # the nightly sweep
    assert Commitment.objects.get(pk=commitment.pk).needs_projection is False
    assert ProjectionYear.objects.filter(commitment=commitment).count() == 4
    assert "推計を更新中です" not in client.get("/exposure/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_approval_projected_by_the_real_worker(celery_worker):
    o = make_org()
    commitment = make_commitment(o, approve=False, limit_yen=8_000_000, last_burden_fy=2018)
    approval.commitment_submit(actor=o.officer2, commitment=commitment)
    approval.commitment_approve(actor=o.approver, commitment=commitment)
    wait_for(lambda: ProjectionYear.objects.filter(commitment=commitment).count() == 2)
    assert sorted(ProjectionYear.objects.filter(commitment=commitment).values_list("fiscal_year", "planned_yen")) == [
        (2017, 4_000_000),
        (2018, 4_000_000),
    ]
    wait_for(lambda: not Commitment.objects.get(pk=commitment.pk).needs_projection)
