"""What the exposure pages show around the figures: a footer that says what it covers, the years a filter's rows
burden, and an options form that always shows what is displayed."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from commitments import fiscal
from commitments.models import User


@pytest.fixture
def auditor_client(client, db):
    call_command("load_demo", stdout=io.StringIO())
    client.force_login(User.objects.get(username="auditor"))
    return client


def _cells(html: str, table_id: str = "exposure-table") -> str:
    table = html[html.index(f'id="{table_id}"') :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table[: table.index("</table>")]))


def _headers(html: str) -> list[str]:
    table = html[html.index('id="exposure-table"') :]
    head = table[: table.index("</thead>")]
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]


def test_a_footer_over_more_rows_than_the_page_says_so(auditor_client):
    # 32 commitments, 10 a page: the 合計 row covers all 32.
    response = auditor_client.get("/exposure/", {"per_page": "10"})
    cells = _cells(response.content.decode())
    assert response.context["table"].page.object_list.__len__() == 10
    assert "全 32 件の合計 25,395,623 " in cells
    # Every row on one page: a plain 合計.
    cells = _cells(auditor_client.get("/exposure/").content.decode())
    assert "全 32 件の合計" not in cells and " 合計 25,395,623 " in cells
    # In English from the catalogue.
    auditor_client.cookies["django_language"] = "en"
    assert "Total of all 32 25,395,623" in _cells(auditor_client.get("/exposure/", {"per_page": "10"}).content.decode())


def test_a_one_row_filter_shows_the_years_that_row_burdens(auditor_client):
    years = ["平成29年度", "平成30年度", "令和元年度", "令和2年度", "令和3年度", "令和4年度", "令和5年度"]
    assert _headers(auditor_client.get("/exposure/").content.decode())[5:-1] == years
    # 複合機リース(オペ室): 576 千円 over FY2017–FY2021.
    html = auditor_client.get("/exposure/", {"matter": "複合機リース(オペ室)"}).content.decode()
    assert _headers(html) == ["番号", "事項", "事業区分", "限度額", "負担年度", *years[:5], "合計"]
    assert " 576 116 115 115 115 115 576 " in _cells(html)
    # A year range chosen by the reader is kept, empty years included.
    html = auditor_client.get(
        "/exposure/", {"matter": "複合機リース(オペ室)", "fy_from": "平成29年度", "fy_to": "令和5年度"}
    ).content.decode()
    assert _headers(html)[5:-1] == years
    assert " 576 116 115 115 115 115 0 0 576 " in _cells(html)


def test_the_summary_form_shows_what_is_displayed(auditor_client):
    current = fiscal.fiscal_year_of(timezone.localdate())
    html = auditor_client.get("/exposure/summary/").content.decode()
    form = html[html.index('id="summary-options"') : html.index("</form>", html.index('id="summary-options"'))]
    # The page opens on what is left to pay from the current year, and the form says so.
    assert "残額（契約済未払＋未契約）" in html[: html.index('id="summary-options"')]
    assert re.search(r'<option value="remaining" selected>', form)
    assert not re.search(r'<option value="planned" selected>', form)
    assert f'value="{fiscal.format_fiscal_year(current)}"' in form
    assert re.search(r'<option value="千円" selected>', form)
    # Pressing 表示 with the form as shown displays the same page.
    again = auditor_client.get(
        "/exposure/summary/",
        {"basis": "remaining", "fy_from": fiscal.format_fiscal_year(current), "unit": "千円", "era": "wareki"},
    )
    assert again.context["options"].basis == "remaining" and again.context["options"].fy_from == current
    first = auditor_client.get("/exposure/summary/")
    assert _cells(again.content.decode(), "summary-table") == _cells(first.content.decode(), "summary-table")
    # The exposure page likewise shows its default basis selected.
    html = auditor_client.get("/exposure/").content.decode()
    assert re.search(r'<option value="planned" selected>', html)
