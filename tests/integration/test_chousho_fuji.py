"""富士市's 令和8年度 調書, imported with the budget-book importer, reproduces the printed 合計 row in every column."""

from __future__ import annotations

import datetime
import io
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from tests.support.factories import make_org
from tests.support.fuji import FUJI_CHOUSHO, FUJI_CHOUSHO_TOTALS

# The book as transcribed, shipped with the project (commitments/data/fuji, copied from the shared test material).
NOW = datetime.datetime(2026, 4, 15, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


# The printed 合計 row (千円): 限度額, spent to the end of R7, planned from R8, 国県支出金, 地方債, その他, 一般財源.
PRINTED = FUJI_CHOUSHO_TOTALS


@pytest.fixture
def fuji(db):
    o = make_org("富士市", prefix="fuji_")
    with time_machine.travel(NOW, tick=False):
        call_command(
            "import_commitments", str(FUJI_CHOUSHO), "--organization", "富士市", "--budget-year", "令和8年度",
            "--segment", "general", stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
    return o


def test_chousho_json_equals_the_printed_total_row(fuji):
    out = io.StringIO()
    call_command("chousho", "--organization", "富士市", "--fy", "2026", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["budget_year"] == 2026
    assert data["totals"] == PRINTED
    assert len(data["rows"]) == 79
    # In the book's order (its 一連番号), whatever 行為年度 each row was given.
    assert [r["matter"] for r in data["rows"][:3]] == ["例規集データ更新業務", "文書配達業務", "コールセンター業務"]
    # the text-only limit, and 同上利子 whose every cell reads 同上 (no amount of its own), are listed, not added up
    assert [(t["matter"], t["limit_text"]) for t in data["text_limits"]] == [
        ("農林漁業資金特別融資金補給利子", "（限度額の記載なし）"),
        ("ふるさと納税制度特産品配布等業務", "寄附金額に応じた諸経費にかかる金額"),
    ]
    assert data["tie_out"]["untied"] == []


def test_chousho_page_prints_the_books_total(client, fuji):
    client.force_login(fuji.auditor)
    html = client.get("/reports/chousho/", {"fy": "2026"}).content.decode()
    for printed in ["68,738,703", "15,817,016", "52,921,687", "4,554,364", "6,993,100", "1,368,507", "40,005,716"]:
        assert printed in html
    assert "７年度末までの支出(見込)額" in html and "８年度以降の支出予定額" in html
