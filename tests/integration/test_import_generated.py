"""Thousands of rows: chunked bulk writes, one set-based projection, all or nothing, idempotent."""

from __future__ import annotations

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Sum

from commitments.models import Commitment, Contract, PlannedAmount, ProjectionYear
from commitments.services.imports import ImportOptions, ImportRefused, import_file
from tests.support.factories import make_org

TODAY = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def chousho_csv(n: int, *, bad_row: int | None = None) -> tuple[bytes, int, int]:
    """A 令和8年度 調書 of n rows (every other one mid-flight), its spent and planned totals in yen."""
    out = io.StringIO()
    out.write("一連番号,事項,限度額,７年度末までの支出(見込)額_期間,７年度末までの支出(見込)額_金額,")
    out.write("８年度以降の支出予定額_期間,８年度以降の支出予定額_金額,財源内訳_一般財源\n")
    spent_total = planned_total = 0
    for i in range(1, n + 1):
        spent = 1_000 + i % 97 if i % 2 else 0
        planned = 2_000 + i % 89
        head, tail = ("５年度から", "10年度まで") if spent else ("", "９年度から13年度まで")
        limit = "△1" if i == bad_row else f"{spent + planned:,}"
        out.write(f'{i},施設管理業務{i},"{limit}",{head},"{spent:,}",{tail},"{planned:,}","{planned:,}"\n')
        spent_total += spent * 1_000
        planned_total += planned * 1_000
    return out.getvalue().encode("utf-8"), spent_total, planned_total


@pytest.mark.django_db
def test_1500_rows(monkeypatch):
    o = make_org("大規模市")
    o.other_segment.delete()
    data, spent, planned = chousho_csv(1_500)
    options = ImportOptions(file_name="generated.csv")
    seen: list[tuple[str, int, int]] = []
    with time_machine.travel(TODAY, tick=True):
        result = import_file(
            actor=o.officer2,
            approver=o.approver,
            organization=o.organization,
            data=data,
            options=options,
            progress=lambda stage, done, total: seen.append((stage, done, total)),
        )
        assert result.count("新規") == 1_500
        assert ("write", 1_000, 1_500) in seen and ("write", 1_500, 1_500) in seen
        assert Contract.objects.filter(is_opening=True).count() == 750
        assert PlannedAmount.objects.count() == 750 * 6 + 750 * 5
        flows = ProjectionYear.objects.aggregate(p=Sum("paid_yen"), c=Sum("contracted_yen"), u=Sum("uncontracted_yen"))
        assert flows["p"] == spent and flows["c"] + flows["u"] == planned
        again = import_file(
            actor=o.officer2, approver=o.approver, organization=o.organization, data=data, options=options
        )
        assert again.count("既存") == 1_500 and Commitment.objects.count() == 1_500


@pytest.mark.django_db
def test_one_bad_row_among_thousands_imports_nothing():
    o = make_org("大規模市")
    o.other_segment.delete()
    data, _spent, _planned = chousho_csv(1_500, bad_row=1_234)
    with pytest.raises(ImportRefused) as refused:
        import_file(
            actor=o.officer2,
            approver=o.approver,
            organization=o.organization,
            data=data,
            options=ImportOptions(file_name="generated.csv"),
        )
    assert [(e.row, e.column, e.text) for e in refused.value.errors] == [(1_235, "限度額", "△1")]
    assert not Commitment.objects.exists()
