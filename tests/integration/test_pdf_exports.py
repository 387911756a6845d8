"""PDF of the exposure matrix and of the 調書: A4 landscape, Noto Sans CJK JP embedded, header on every page, page
numbers, organization, unit, as-of day and the rounding note; the text is read back with pypdf."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from commitments.models import CommitmentFunding, FundingSource, User
from commitments.services.projection import projection_refresh_all
from tests.support.factories import make_commitment, make_org

NOTE = "※単位未満四捨五入のため、合計と内訳が一致しない場合があります。"
A4_LANDSCAPE = (842, 595)  # points, rounded


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


def _pdf(response) -> PdfReader:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    return PdfReader(io.BytesIO(response.content))


def _pages(reader: PdfReader) -> list[str]:
    return [re.sub(r"[ \t]+", " ", page.extract_text()) for page in reader.pages]


def _squeezed(text: str) -> str:
    """The text without any white space: a cell's words wrap inside the cell wherever its width ends."""
    return re.sub(r"\s+", "", text)


def _fonts(reader: PdfReader) -> set[str]:
    """The embedded fonts' names (a font with a FontFile stream is embedded)."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None and any(k in descriptor.get_object() for k in ("/FontFile2", "/FontFile3")):
                    names.add(str(descendant.get_object()["/BaseFont"]))
    return names


def test_exposure_pdf(client, demo):
    client.force_login(User.objects.get(username="auditor"))
    reader = _pdf(client.get("/exposure/export.pdf"))
    assert [tuple(round(float(v)) for v in page.mediabox[2:]) for page in reader.pages] == [A4_LANDSCAPE] * 2
    assert _fonts(reader) == {"/XGIAKD+Noto-Sans-CJK-JP-Bold", "/JRLKGN+Noto-Sans-CJK-JP"} or all(
        "Noto-Sans-CJK-JP" in name for name in _fonts(reader)
    )
    first, last = _pages(reader)
    head = "地方公共団体情報システム機構　債務負担行為 年度別負担額（年割額（予算））（単位：千円）基準日：令和"
    header = "番号 事項 事業区分 限度額 平成29年度 平成30年度 令和元年度 令和2年度 令和3年度 令和4年度 令和5年度 合計"
    assert first.count(head) == 2  # the title, and the running head in the margin
    assert last.count(head) == 1  # the running head
    for number, text in enumerate((first, last), start=1):
        assert header in text  # the header row repeats on every page
        assert f"{number} / 2 ページ" in text
    assert "2 構内電話交換機のリース 一般事業 10,889 1,559 1,555 1,555 1,555 1,555 1,555 1,555 10,889" in first
    # The 合計 row once, after the last row, then the rounding note (千円 are rounded).
    assert "合計 25,395,623" not in first
    assert _squeezed(
        "32 第三次LGWAN運営における認証基盤新規機器リース 総合行政ネットワーク運営事業 48,680 24,340 24,340 0 0 0 0 0 "
        "48,680 合計"
    ) in _squeezed(last)
    assert (
        "\n合計 25,395,623 5,465,241 5,709,370 5,327,575 5,315,933 1,213,133 1,212,076 1,152,295 25,395,623\n"
        f"{NOTE}\n" in last
    )


def test_exposure_pdf_follows_the_page_parameters(client, demo):
    client.force_login(User.objects.get(username="auditor"))
    query = {"matter": "複合機", "era": "seireki", "unit": "円", "basis": "planned"}
    response = client.get("/exposure/export.pdf", query)
    assert response["Content-Disposition"].endswith('.pdf"') and "exposure_" in response["Content-Disposition"]
    [text] = _pages(_pdf(response))
    # The two leases, the years they burden, in 円 and western years; nothing rounded, so no note.
    assert "番号 事項 事業区分 限度額 FY2017 FY2018 FY2019 FY2020 FY2021 FY2022 合計" in text
    assert "18 複合機リース(オペ室) 一般事業 576,000 116,000 115,000 115,000 115,000 115,000 0 576,000" in text
    assert "合計 1,716,000 116,000 343,000 343,000 343,000 343,000 228,000 1,716,000" in text
    assert "（単位：円）" in text and "単位未満四捨五入" not in text
    html = client.get("/exposure/", query).content.decode()
    assert 'href="/exposure/export.pdf?matter=%E8%A4%87%E5%90%88%E6%A9%9F&amp;era=seireki' in html
    # As of another day: the books of that day (the demo was entered today: none then), the day in the title and
    # the running head.
    [text] = _pages(_pdf(client.get("/exposure/export.pdf", {**query, "as_of": "2018-03-31"})))
    assert text.count("基準日：平成30年3月31日") == 2
    assert "該当する行はありません。\n合計 0 0\n" in text


@pytest.fixture
def book(org):
    sources = {
        name: FundingSource.objects.create(
            organization=org.organization, name=name, sort_order=i, is_general=name == "一般財源"
        )
        for i, name in enumerate(["国県支出金", "地方債", "その他", "一般財源"], start=1)
    }
    make_commitment(
        org, matter="庁舎清掃業務委託", seq=1, limit_yen=3_000_000, authorized_fy=2026, first_burden_fy=2026,
        last_burden_fy=2028,
    )  # fmt: skip
    funded = make_commitment(
        org, matter="学校給食調理業務委託", seq=2, limit_yen=2_000_000, authorized_fy=2026, first_burden_fy=2026,
        last_burden_fy=2027,
    )  # fmt: skip
    for name, amount in (("国県支出金", 500_000), ("一般財源", 1_500_000)):
        CommitmentFunding.objects.create(commitment=funded, budget_year=2026, source=sources[name], amount_yen=amount)
    make_commitment(
        org, matter="電話回線", seq=3, limit_yen=1_000_000, authorized_fy=2026, first_burden_fy=2026,
        last_burden_fy=2026,
    )  # fmt: skip
    projection_refresh_all(as_of=date(2026, 4, 15))
    return org


def test_chousho_pdf(client, book):
    client.force_login(book.auditor)
    reader = _pdf(client.get("/reports/chousho/export.pdf", {"fy": "2026"}))
    assert "chousho_2026_" in client.get("/reports/chousho/export.pdf", {"fy": "2026"})["Content-Disposition"]
    assert [tuple(round(float(v)) for v in page.mediabox[2:]) for page in reader.pages] == [A4_LANDSCAPE]
    assert all("Noto-Sans-CJK-JP" in name for name in _fonts(reader)) and _fonts(reader)
    [text] = _pages(reader)
    assert "テスト市　調書 令和8年度予算　（単位：千円）　基準日：令和" in text  # running head
    assert "債務負担行為で翌年度以降にわたるもの" in text and "テスト市　令和8年度予算" in text
    # The statutory header (three rows), the rows, the 合計 row and the tie-out line.
    squeezed = _squeezed(text)
    assert (
        "事項限度額７年度末までの支出(見込)額８年度以降の支出予定額財源内訳照合差額備考"
        "期間金額期間金額特定財源一般財源国県支出金地方債その他庁舎清掃業務委託" in squeezed
    )
    assert "庁舎清掃業務委託 3,000 ８年度から10年度まで 3,000 3,000 0\n" in text
    assert "学校給食調理業務委託 2,000 ８年度から９年度まで 2,000 500 1,500 0\n" in text
    assert "合計 6,000 0 6,000 500 0 0 5,500 0" in text
    assert "照合：限度額 6,000 ＝ 支出(見込)額 0 ＋ 支出予定額 6,000 ＋ 差額 0（千円）" in text
    assert "基準日：令和8年4月1日（令和8年度予算の時点" in text
    assert NOTE in text and "1 / 1 ページ" in text


def test_chousho_pdf_in_millions_rounds_each_total(client, book):
    client.force_login(book.auditor)
    [text] = _pages(_pdf(client.get("/reports/chousho/export.pdf", {"fy": "2026", "unit": "百万円"})))
    # 3 + 2 + 1 百万円 = 6; 国県支出金 500,000 → 1 (四捨五入), 一般財源 5,500,000 → 6 (5.5 rounds up).
    assert "合計 6 0 6 1 0 0 6 0" in text and NOTE in text


@pytest.mark.parametrize("url", ["/exposure/export.pdf", "/reports/chousho/export.pdf?fy=2026"])
def test_pdf_permissions_and_tenancy(client, book, url):
    assert client.get(url).status_code == 302  # to the login page
    nobody = User.objects.create_user("nobody-in-particular", password="x")
    client.force_login(nobody)
    assert client.get(url).status_code == 403
    for user in (book.auditor, book.manager, book.officer):
        client.force_login(user)
        assert client.get(url).status_code == 200
    other = make_org("別の市", prefix="o_")
    client.force_login(other.auditor)
    text = " ".join(_pages(_pdf(client.get(url))))
    assert "別の市" in text and "テスト市" not in text and "庁舎清掃業務委託" not in text
