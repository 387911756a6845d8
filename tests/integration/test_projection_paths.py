"""The SQL engine's paths (every commitment at once, one commitment at a time) and the pure oracle agree row for
row, on a rich book.

Every expected amount below is worked out by hand in the comments; nothing is recomputed with the code under test.
"""

from __future__ import annotations

from datetime import date

import pytest

from commitments.models import Commitment, ProjectionYear, Status
from commitments.services import approval, payments
from commitments.services.projection import projection_refresh, projection_refresh_all
from tests.support.factories import make_amendment, make_commitment, make_contract
from tests.support.projection_oracle import oracle_rows, stored_rows

D1 = date(2017, 11, 15)  # FY2017: every FY2017 authority is still live
D2 = date(2019, 6, 1)  # FY2019: only the authorities extended to FY2019 or later are live
D3 = date(2022, 6, 1)  # FY2022: only K (extended to FY2022, span ended FY2019) is live


def _pay(o, contract, paid_on, amount_yen, **extra):
    payments.payment_record(actor=o.officer2, contract=contract, paid_on=paid_on, amount_yen=amount_yen, **extra)


def _build(o):
    """Ten commitments in one organization, built through the services."""
    book = {}

    # A: equal rule, 10,000,000 over FY2017–FY2020 (2,500,000 a year).
    # A-1 6,000,000 quarterly 2017-10..2019-09: 8 quarters of 750,000 -> FY2017 1,500,000, FY2018 3,000,000,
    # FY2019 1,500,000. Paid 750,000 ×3 (one in May 2018 charged to FY2017).
    book["A"] = a = make_commitment(o, matter="A 庁舎清掃業務委託", limit_yen=10_000_000)
    a1 = make_contract(
        o,
        a,
        "A-1",
        6_000_000,
        signed_on=date(2017, 9, 15),
        start_on=date(2017, 10, 1),
        end_on=date(2019, 9, 30),
        payment_terms="quarterly",
    )
    _pay(o, a1, date(2017, 12, 28), 750_000)
    _pay(o, a1, date(2018, 5, 10), 750_000, fiscal_year=2017)
    _pay(o, a1, date(2018, 7, 10), 750_000)

    # B: monthly rule, 3,600,000 over 60 months from 2017-10 (60,000 a month), other segment:
    # FY2017 6 months 360,000; FY2018–FY2021 720,000; FY2022 6 months 360,000.
    # B-1 3,000,000 monthly over the same 60 months: 50,000 a month -> FY2017 300,000, FY2018–2021 600,000,
    # FY2022 300,000. Paid 250,000 (FY2017) + 100,000 (FY2018).
    book["B"] = b = make_commitment(
        o,
        matter="B 複合機の賃借",
        segment=o.other_segment,
        limit_yen=3_600_000,
        last_burden_fy=2022,
        spread_rule="monthly",
        spread_start_month=date(2017, 10, 1),
        spread_months=60,
    )
    b1 = make_contract(
        o,
        b,
        "B-1",
        3_000_000,
        signed_on=date(2017, 9, 20),
        start_on=date(2017, 10, 1),
        end_on=date(2022, 9, 30),
        payment_terms="monthly",
    )
    _pay(o, b1, date(2018, 3, 30), 250_000)
    _pay(o, b1, date(2018, 6, 29), 100_000)

    # C: explicit 年割額 10,000,000 / 25,000,000 / 15,000,000 (limit 50,000,000, FY2017–FY2019).
    # C-1 40,000,000 explicit: 8,000,000 (FY2017), 12,000,000 + 12,000,000 (FY2018), 8,000,000 (FY2019).
    # C-2 5,000,000 lump sum due 2019-03-31 (FY2018). Paid on C-1: 8,000,000 (FY2017), 5,000,000 (FY2018).
    book["C"] = c = make_commitment(
        o,
        matter="C 基幹系システム更改",
        limit_yen=50_000_000,
        last_burden_fy=2019,
        spread_rule="explicit",
        planned={2017: 10_000_000, 2018: 25_000_000, 2019: 15_000_000},
    )
    c1 = make_contract(
        o,
        c,
        "C-1",
        40_000_000,
        signed_on=date(2017, 9, 1),
        start_on=date(2017, 10, 1),
        end_on=date(2019, 12, 31),
        payment_terms="explicit",
        installments=[
            (date(2018, 3, 31), 8_000_000),
            (date(2018, 9, 30), 12_000_000),
            (date(2019, 3, 31), 12_000_000),
            (date(2019, 12, 31), 8_000_000),
        ],
    )
    make_contract(
        o, c, "C-2", 5_000_000, signed_on=date(2017, 11, 1), start_on=date(2017, 12, 1), end_on=date(2019, 3, 31)
    )
    _pay(o, c1, date(2018, 3, 30), 8_000_000)
    _pay(o, c1, date(2018, 10, 15), 5_000_000)

    # D: text limit with an estimate of 2,000,000 over FY2017–FY2018 (1,000,000 a year).
    # D-1 1,500,000 annual 2017-04..2019-03: 750,000 due 2018-03-31 (FY2017) and 2019-03-31 (FY2018). Unpaid.
    book["D"] = d = make_commitment(
        o,
        matter="D 寄附金による事業",
        limit_yen=None,
        limit_text="寄附金額に応じた諸経費にかかる金額",
        estimated_limit_yen=2_000_000,
        last_burden_fy=2018,
    )
    make_contract(
        o,
        d,
        "D-1",
        1_500_000,
        signed_on=date(2017, 4, 1),
        start_on=date(2017, 4, 1),
        end_on=date(2019, 3, 31),
        payment_terms="annual",
    )

    # E: 8,000,000 over FY2017–FY2019 (2,668,000 / 2,666,000 / 2,666,000), abolished after one contract.
    # E-1 3,000,000 semiannual 2017-10..2019-09: 750,000 due FY2017, FY2018 ×2, FY2019. Paid 750,000 (FY2017).
    book["E"] = e = make_commitment(o, matter="E 廃止した事業", limit_yen=8_000_000, last_burden_fy=2019)
    e1 = make_contract(
        o,
        e,
        "E-1",
        3_000_000,
        signed_on=date(2017, 9, 1),
        start_on=date(2017, 10, 1),
        end_on=date(2019, 9, 30),
        payment_terms="semiannual",
    )
    _pay(o, e1, date(2018, 3, 30), 750_000)
    make_amendment(o, e, abolish=True, reason="事業の中止")

    # F: 3,000,000 over FY2018–FY2020 authorised in FY2017, never contracted (lapses when FY2017 ends).
    book["F"] = make_commitment(
        o, matter="F 未契約のまま失効", limit_yen=3_000_000, first_burden_fy=2018, last_burden_fy=2020
    )

    # G: 5,000,000 over FY2017–FY2021 (1,000,000 a year), contract deadline extended to FY2019.
    # G-1 1,000,000 annual 2018-07..2019-06: due 2019-06-30 (FY2019). Unpaid.
    book["G"] = g = make_commitment(o, matter="G 期限延長", limit_yen=5_000_000, last_burden_fy=2021)
    make_amendment(o, g, new_contract_until_fy=2019)
    make_contract(
        o,
        g,
        "G-1",
        1_000_000,
        signed_on=date(2018, 6, 1),
        start_on=date(2018, 7, 1),
        end_on=date(2019, 6, 30),
        payment_terms="annual",
    )

    # H: 1,000,000 in FY2017, one lump-sum contract of 1,000,000 paid in full -> completed.
    book["H"] = h = make_commitment(o, matter="H 完了した事業", limit_yen=1_000_000, last_burden_fy=2017)
    h1 = make_contract(o, h, "H-1", 1_000_000)
    _pay(o, h1, date(2018, 3, 30), 1_000_000)

    # K: 3,000,000 over FY2017–FY2019, deadline extended to FY2022 (past its span), no contract.
    book["K"] = k = make_commitment(o, matter="K 期間後まで延長", limit_yen=3_000_000, last_burden_fy=2019)
    make_amendment(o, k, new_contract_until_fy=2022)

    # Not approved: never projected.
    book["draft"] = make_commitment(o, matter="起案中の事業", approve=False)
    book["submitted"] = s = make_commitment(o, matter="承認待ちの事業", approve=False)
    approval.commitment_submit(actor=o.officer2, commitment=s)
    return {key: Commitment.objects.get(pk=c.pk) for key, c in book.items()}


@pytest.fixture
def book(org):
    return _build(org)


def _table():
    return sorted(stored_rows())


def _refresh_each(as_of):
    for pk in Commitment.objects.values_list("pk", flat=True):
        projection_refresh(commitment_id=pk, as_of=as_of)


def _by_fy(commitment):
    return {
        fy: (planned, paid, contracted, uncontracted)
        for fy, planned, paid, contracted, uncontracted in ProjectionYear.objects.filter(commitment=commitment)
        .order_by("fiscal_year")
        .values_list("fiscal_year", "planned_yen", "paid_yen", "contracted_yen", "uncontracted_yen")
    }


def _outflow(commitment):
    return sum(paid + contracted + uncontracted for _p, paid, contracted, uncontracted in _by_fy(commitment).values())


# Hand-worked rows per fiscal year: (planned, paid, contracted, uncontracted).
EXPECTED_D1 = {
    # A: paid 2,250,000 settles the first three quarters (FY2017 both, FY2018 the first): FY2018 open 2,250,000.
    # Uncontracted 10,000,000 - 6,000,000 = 4,000,000 over FY2017–FY2020: 1,000,000 a year.
    "A": {
        2017: (2_500_000, 1_500_000, 0, 1_000_000),
        2018: (2_500_000, 750_000, 2_250_000, 1_000_000),
        2019: (2_500_000, 0, 1_500_000, 1_000_000),
        2020: (2_500_000, 0, 0, 1_000_000),
    },
    # B: paid 350,000 settles FY2017's 300,000 and 50,000 of April 2018: FY2018 open 550,000.
    # Uncontracted 600,000 over FY2017–FY2022: 100,000 a year.
    "B": {
        2017: (360_000, 250_000, 0, 100_000),
        2018: (720_000, 100_000, 550_000, 100_000),
        2019: (720_000, 0, 600_000, 100_000),
        2020: (720_000, 0, 600_000, 100_000),
        2021: (720_000, 0, 600_000, 100_000),
        2022: (360_000, 0, 300_000, 100_000),
    },
    # C: C-1 paid 13,000,000 settles 8,000,000 + 5,000,000 of the 12,000,000 due 2018-09-30:
    # FY2018 open 7,000,000 + 12,000,000 + C-2 5,000,000 = 24,000,000; FY2019 8,000,000.
    # Uncontracted 5,000,000 over 3 years: 1,666,666 -> 1,666,000; FY2017 takes 1,668,000.
    "C": {
        2017: (10_000_000, 8_000_000, 0, 1_668_000),
        2018: (25_000_000, 5_000_000, 24_000_000, 1_666_000),
        2019: (15_000_000, 0, 8_000_000, 1_666_000),
    },
    # D: estimate 2,000,000 - 1,500,000 = 500,000 over 2 years.
    "D": {2017: (1_000_000, 0, 750_000, 250_000), 2018: (1_000_000, 0, 750_000, 250_000)},
    # E: abolished -> no uncontracted; its contract still pays out.
    "E": {
        2017: (2_668_000, 750_000, 0, 0),
        2018: (2_666_000, 0, 1_500_000, 0),
        2019: (2_666_000, 0, 750_000, 0),
    },
    # F: live in FY2017, its span starts in FY2018: 3,000,000 over FY2018–FY2020.
    "F": {2018: (1_000_000, 0, 0, 1_000_000), 2019: (1_000_000, 0, 0, 1_000_000), 2020: (1_000_000, 0, 0, 1_000_000)},
    # G: 4,000,000 uncontracted over FY2017–FY2021: 800,000 a year.
    "G": {
        2017: (1_000_000, 0, 0, 800_000),
        2018: (1_000_000, 0, 0, 800_000),
        2019: (1_000_000, 0, 1_000_000, 800_000),
        2020: (1_000_000, 0, 0, 800_000),
        2021: (1_000_000, 0, 0, 800_000),
    },
    "H": {2017: (1_000_000, 1_000_000, 0, 0)},
    "K": {2017: (1_000_000, 0, 0, 1_000_000), 2018: (1_000_000, 0, 0, 1_000_000), 2019: (1_000_000, 0, 0, 1_000_000)},
}


def _without_uncontracted(rows):
    return {fy: (planned, paid, contracted, 0) for fy, (planned, paid, contracted, _u) in rows.items()}


EXPECTED_D2 = {key: _without_uncontracted(rows) for key, rows in EXPECTED_D1.items()}
# G is live in FY2019: 4,000,000 over FY2019–FY2021: 1,333,333 -> 1,333,000; FY2019 takes 1,334,000.
EXPECTED_D2["G"] = {
    2017: (1_000_000, 0, 0, 0),
    2018: (1_000_000, 0, 0, 0),
    2019: (1_000_000, 0, 1_000_000, 1_334_000),
    2020: (1_000_000, 0, 0, 1_333_000),
    2021: (1_000_000, 0, 0, 1_333_000),
}
# K is live in FY2019 (its last year): all 3,000,000 falls in FY2019.
EXPECTED_D2["K"] = {2017: (1_000_000, 0, 0, 0), 2018: (1_000_000, 0, 0, 0), 2019: (1_000_000, 0, 0, 3_000_000)}
EXPECTED_D3 = {key: _without_uncontracted(rows) for key, rows in EXPECTED_D1.items()}
# K is live in FY2022, after its span: the as-of year is clamped to its last year, FY2019.
EXPECTED_D3["K"] = EXPECTED_D2["K"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("as_of", "expected"), [(D1, EXPECTED_D1), (D2, EXPECTED_D2), (D3, EXPECTED_D3)], ids=["FY2017", "FY2019", "FY2022"]
)
def test_one_by_one_equals_set_based_the_oracle_and_the_hand_worked_rows(book, as_of, expected):
    projection_refresh_all(as_of=as_of)
    set_based = _table()
    assert {key: _by_fy(book[key]) for key in expected} == expected
    assert set(set_based) == oracle_rows(as_of)

    ProjectionYear.objects.all().delete()
    _refresh_each(as_of)
    one_by_one = _table()
    assert {key: _by_fy(book[key]) for key in expected} == expected
    assert one_by_one == set_based

    # A 4 + B 6 + C 3 + D 2 + E 3 + F 3 + G 5 + H 1 + K 3 years; drafts and submissions have none.
    assert len(set_based) == 30
    assert not ProjectionYear.objects.filter(commitment__in=[book["draft"], book["submitted"]]).exists()
    assert set(ProjectionYear.objects.filter(commitment=book["B"]).values_list("segment_id", flat=True)) == {
        book["B"].segment_id
    }
    assert set(ProjectionYear.objects.exclude(commitment=book["B"]).values_list("segment_id", flat=True)) == {
        book["A"].segment_id
    }
    assert not Commitment.objects.filter(needs_projection=True, status__in=["approved", "active"]).exists()

    # And back again: the set-based run replaces the one-by-one rows with the same numbers.
    projection_refresh_all(as_of=as_of)
    assert _table() == one_by_one


@pytest.mark.django_db
def test_a_later_date_replaces_the_rows_of_an_earlier_one(book):
    _refresh_each(D1)
    projection_refresh_all(as_of=D2)
    set_based = _table()
    _refresh_each(D1)
    _refresh_each(D2)
    assert _table() == set_based
    assert {key: _by_fy(book[key]) for key in EXPECTED_D2} == EXPECTED_D2


@pytest.mark.django_db
def test_outflow_sums_to_the_limit_while_live_and_to_the_contracts_otherwise(book):
    assert {key: c.status for key, c in book.items()} == {
        "A": Status.ACTIVE,
        "B": Status.ACTIVE,
        "C": Status.ACTIVE,
        "D": Status.ACTIVE,
        "E": Status.ABOLISHED,
        "F": Status.APPROVED,
        "G": Status.ACTIVE,
        "H": Status.COMPLETED,
        "K": Status.APPROVED,
        "draft": Status.DRAFT,
        "submitted": Status.SUBMITTED,
    }
    projection_refresh_all(as_of=D1)
    # Live in FY2017: the whole limit (D: its estimate) is paid, contracted or still to be contracted.
    live = {"A": 10_000_000, "B": 3_600_000, "C": 50_000_000, "D": 2_000_000, "F": 3_000_000, "G": 5_000_000}
    assert {key: _outflow(book[key]) for key in live} == live
    # Abolished / completed: only what was contracted flows out.
    assert {key: _outflow(book[key]) for key in ("E", "H")} == {"E": 3_000_000, "H": 1_000_000}

    projection_refresh_all(as_of=D2)
    # Lapsed by date (FY2017 authority, now FY2019): the contracts total; G and K still live: their limits.
    assert {key: _outflow(book[key]) for key in ("A", "B", "C", "D", "E", "F", "G", "H", "K")} == {
        "A": 6_000_000,
        "B": 3_000_000,
        "C": 45_000_000,
        "D": 1_500_000,
        "E": 3_000_000,
        "F": 0,
        "G": 5_000_000,
        "H": 1_000_000,
        "K": 3_000_000,
    }
