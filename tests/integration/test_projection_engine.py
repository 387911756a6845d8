"""The projection engine's guarantees on real PostgreSQL: one commitment's refresh reads only its own books and
rewrites only the rows that changed; the totals triggers in the database are exactly those declared on the model;
an installment's stored fiscal year is the one of its due date, or the row is refused."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from commitments.models import Commitment, Installment, ProjectionYear
from commitments.services import payments
from commitments.services.projection import engine, projection_refresh
from commitments.services.projection.refresh import _params
from tests.support.factories import make_commitment, make_contract
from tests.support.projection_oracle import assert_totals_equal_rows, oracle_rows, stored_rows

AS_OF = date(2017, 11, 15)
BOOKS = ("commitment", "contract", "installment", "payment", "plannedamount", "projectionyear")


def _placeholders(statement: engine.sql.Composed) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", statement.as_string(None)))


def test_the_statements_are_composed_for_their_scope():
    every, by_ids = engine.merge(engine.EVERY).as_string(None), engine.merge(engine.BY_IDS).as_string(None)
    assert _placeholders(engine.merge(engine.EVERY)) == {"live", "as_of_fy", "projected", "now"}
    assert _placeholders(engine.insert_all()) == {"live", "as_of_fy", "projected", "now"}
    assert _placeholders(engine.merge(engine.BY_IDS)) == {"live", "as_of_fy", "projected", "now", "ids"}
    # The same computation, in the same order of parts; only the restricted scope locks its cells first.
    parts = re.compile(r'^(?:WITH )?"(\w+)" AS', re.MULTILINE)
    assert parts.findall(every) == ["c", "k", "cf", "open", "flows", "s2", "y", "fresh", "diff", "gone", "changed"]
    assert parts.findall(by_ids) == [*parts.findall(every)[:9], "cells", "gone", "changed"]
    # Every table of the books is read through the ids in the restricted scope: the commitments by id, the rest by
    # commitment (contracts, 年割額, stored rows, the writes' targets) or by the commitments' contracts.
    assert by_ids.count("= ANY(%(ids)s::bigint[])") == 9


@pytest.fixture
def contracted(org):
    """10,000,000 over FY2017–FY2019; a contract of 6,000,000 paid in one sum due 2018-03-31 (FY2017)."""
    commitment = make_commitment(org, matter="保守委託", limit_yen=10_000_000, last_burden_fy=2019)
    contract = make_contract(org, commitment, "E-1", 6_000_000)
    return Commitment.objects.get(pk=commitment.pk), contract


def test_a_refresh_of_one_commitment_reads_only_its_own_books(org, contracted):
    commitment, _contract = contracted
    other = make_commitment(org, matter="他の事業", limit_yen=3_000_000)
    make_contract(org, other, "E-2", 1_000_000)
    with transaction.atomic(), connection.cursor() as cursor:
        # With sequential scans priced out, any table read without an index condition on the ids would still show
        # as one: there is none.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            b"EXPLAIN " + engine.merge(engine.BY_IDS).as_bytes(cursor.cursor.connection),
            _params(AS_OF, ids=[commitment.pk]),
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert not [line for line in plan.splitlines() if "Seq Scan" in line], plan
    assert all(f"commitments_{table}" in plan for table in BOOKS)


def test_a_refresh_rewrites_only_the_rows_that_changed(org, contracted):
    commitment, contract = contracted
    assert projection_refresh(commitment_id=commitment.pk, as_of=AS_OF) == 3
    first = dict(ProjectionYear.objects.filter(commitment=commitment).values_list("fiscal_year", "computed_at"))
    # FY2017: 年割額 3,334,000, the contract's 6,000,000 due, 4,000,000 not contracted spread from FY2017
    # (1,334,000 / 1,333,000 / 1,333,000).
    assert stored_rows([commitment.pk]) == {
        (commitment.pk, org.organization.pk, org.segment.pk, 2017, 3_334_000, 0, 6_000_000, 1_334_000),
        (commitment.pk, org.organization.pk, org.segment.pk, 2018, 3_333_000, 0, 0, 1_333_000),
        (commitment.pk, org.organization.pk, org.segment.pk, 2019, 3_333_000, 0, 0, 1_333_000),
    }
    assert not Commitment.objects.get(pk=commitment.pk).needs_projection

    assert projection_refresh(commitment_id=commitment.pk, as_of=AS_OF) == 3  # nothing changed: nothing written
    assert dict(ProjectionYear.objects.filter(commitment=commitment).values_list("fiscal_year", "computed_at")) == first

    # 2,000,000 paid in FY2017: only that year's row moves (paid 2,000,000, 4,000,000 still due).
    payments.payment_record(actor=org.officer2, contract=contract, paid_on=date(2017, 11, 1), amount_yen=2_000_000)
    projection_refresh(commitment_id=commitment.pk, as_of=AS_OF)
    after = dict(ProjectionYear.objects.filter(commitment=commitment).values_list("fiscal_year", "computed_at"))
    assert [fy for fy in first if after[fy] != first[fy]] == [2017]
    assert stored_rows([commitment.pk]) == oracle_rows(AS_OF, [commitment.pk])
    assert (2017, 2_000_000, 4_000_000) in ProjectionYear.objects.filter(commitment=commitment).values_list(
        "fiscal_year", "paid_yen", "contracted_yen"
    )
    assert_totals_equal_rows()

    # A refresh of a commitment that does not exist writes nothing.
    assert projection_refresh(commitment_id=commitment.pk + 1000, as_of=AS_OF) == 0


def test_the_totals_triggers_in_the_database_are_exactly_the_declared_ones(db):
    declared = ProjectionYear._meta.triggers
    assert {t.name for t in declared} == {"totals_insert", "totals_update", "totals_delete", "totals_truncate"}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'commitments_projectionyear'::regclass AND NOT tgisinternal"
        )
        installed = {name for (name,) in cursor.fetchall()}
        cursor.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'commitments_projection_totals%%'")
        hand_written = cursor.fetchall()
    assert installed == {t.get_pgid(ProjectionYear) for t in declared}
    assert hand_written == []  # 0014's function and its TRUNCATE twin are gone
    # Installed as declared: the hash pgtrigger keeps in the trigger's comment matches the model's definition.
    assert {t.name: t.get_installation_status(ProjectionYear)[0] for t in declared} == dict.fromkeys(
        (t.name for t in declared), "INSTALLED"
    )


def test_an_installment_in_another_fiscal_year_than_its_due_date_is_refused(contracted):
    _commitment, contract = contracted
    insert = "INSERT INTO commitments_installment (contract_id, due_on, fiscal_year, amount_yen) VALUES (%s, %s, %s, 1)"
    with connection.cursor() as cursor:
        for due_on, fiscal_year in [(date(2018, 3, 30), 2017), (date(2018, 4, 1), 2018), (date(2019, 1, 31), 2018)]:
            cursor.execute(insert, [contract.pk, due_on, fiscal_year])  # April to March: the fiscal year of the date
        for due_on, fiscal_year in [(date(2018, 3, 29), 2018), (date(2018, 4, 2), 2017), (date(2019, 5, 1), 2018)]:
            with pytest.raises(IntegrityError, match="installment_fiscal_year_of_due_date"), transaction.atomic():
                cursor.execute(insert, [contract.pk, due_on, fiscal_year])
        # Moving a due date across 1 April without its fiscal year is refused too.
        with pytest.raises(IntegrityError, match="installment_fiscal_year_of_due_date"), transaction.atomic():
            cursor.execute(
                "UPDATE commitments_installment SET due_on = %s WHERE contract_id = %s AND due_on = %s",
                [date(2018, 4, 30), contract.pk, date(2018, 3, 30)],
            )
    assert Installment.objects.filter(contract=contract).count() == 4  # the contract's own and the three accepted
