"""The English catalogue: with English chosen the auditor pages, the admin and the login read in English; Japanese
stays the default; the shipped .po is complete and the compiled .mo matches it.

Books of テスト市 seen on 2026-02-10 (FY2025): an authority of FY2025 with a monthly contract, an uncontracted one,
a limit in words and a draft. The 調書's statutory table (title, headers, spans, tie-out lines) is the layout of
the legal form and is shared with its downloads: it stays Japanese in both languages, like the era names in
generated fiscal-year labels (令和7年度).
"""

from __future__ import annotations

import ast
import datetime
import gettext
import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.utils import translation

from commitments.reporting.period import period_parse
from commitments.selectors.chousho import TITLE
from commitments.services import payments
from commitments.services import reports as report_services
from commitments.services.projection import projection_refresh_all
from tests.support.factories import make_commitment, make_contract

NOW = datetime.datetime(2026, 2, 10, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
LOCALE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _back_to_the_default_language() -> Iterator[None]:
    """LocaleMiddleware leaves the last request's language active in the thread: do not hand English on."""
    yield
    translation.deactivate()


@pytest.fixture
def books(org):
    """Four commitments of FY2025 (one contracted and paid in part, one in words, one draft), projected."""
    o = org
    span = {"authorized_fy": 2025, "first_burden_fy": 2025, "last_burden_fy": 2027}
    with time_machine.travel(NOW, tick=False):
        desk = make_commitment(o, matter="窓口業務委託", seq=1, limit_yen=10_000_000, **span)
        contract = make_contract(
            o, desk, "K-90", 9_000_000, signed_on=datetime.date(2025, 6, 1), start_on=datetime.date(2025, 7, 1),
            end_on=datetime.date(2026, 3, 31), payment_terms="monthly",
        )  # fmt: skip
        make_commitment(o, matter="未契約の測量業務", seq=2, limit_yen=3_000_000, **span)
        make_commitment(
            o, matter="ふるさと納税返礼品等業務", seq=3, limit_yen=None, limit_text="寄附金額に応じた諸経費",
            authorized_fy=2025, first_burden_fy=2025, last_burden_fy=2030,
        )  # fmt: skip
        make_commitment(o, approve=False, matter="起案中の業務", seq=9, **span)
        projection_refresh_all(as_of=NOW.date())
        payments.payment_record(
            actor=o.officer2, contract=contract, paid_on=datetime.date(2026, 1, 30), amount_yen=750_000
        )
    o.desk = desk
    return o


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# page → (English words that must show in English, Japanese labels that must show in Japanese and only there)
AUDITOR_PAGES = {
    "/exposure/": (
        ["Exposure by fiscal year", "Authorising fiscal year", "Limit", "Burden years", "Segment", "Matter",
         "unit: thousand yen", "*Limit in words", "Planned annual amounts (budget)", "Filter"],
        ["年度別負担額", "行為年度", "限度額", "負担年度", "事業区分", "絞り込み", "単位：千円", "※文言"],
    ),
    "/exposure/summary/": (
        ["Exposure by segment and fiscal year", "Total", "current projection", "Year format", "Japanese era"],
        ["事業区分別・年度別の負担額", "合計", "現在の推計", "年度の表記"],
    ),
    "/reports/chousho/?fy=2026": (
        ["Statutory statement", "Budget year", "Year format", "Western calendar", "(unit: thousand yen)",
         "*Limit in words", "Total"],
        ["予算年度", "年度の表記", "（単位：千円）", "例外一覧", "ログアウト"],
    ),
    "/reports/exceptions/": (
        ["Debt-burden authorisations: exceptions", "Uncontracted authority lapsing within 60 days",
         "Contracts ending within 60 days", "Limits set in words", "Days left", "Lapse date",
         "Uncontracted remainder", "lapses on March 31, 2026 (in 49 days)", "3 items", "Contracted"],
        ["例外一覧", "60日以内に失効する未契約の権限", "残日数", "失効日", "未契約残額", "2026年3月31日（あと49日）",
         "3件", "契約済"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("url", AUDITOR_PAGES)
def test_auditor_pages_follow_the_language(books, client, url):
    english, japanese = AUDITOR_PAGES[url]
    client.force_login(books.auditor)
    with time_machine.travel(NOW, tick=False):
        default = _text(client.get(url))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        chosen = _text(client.get(url))
    for label in japanese:
        assert label in default, label
        assert label not in chosen, label
    for words in english:
        assert words in chosen, words
    assert "Authorising fiscal year" not in default and "Statutory statement" not in default


def test_the_statutory_chousho_table_and_the_download_headers_stay_japanese(books, client):
    client.force_login(books.auditor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(NOW, tick=False):
        page = _text(client.get("/reports/chousho/?fy=2026"))
        chousho = client.get("/reports/chousho/export.csv?fy=2026").getvalue().decode("utf-8-sig")
        exceptions = client.get("/reports/exceptions/export.csv").getvalue().decode("utf-8-sig")
        workbook = client.get("/reports/exceptions/export.xlsx")
    assert TITLE in page and "８年度以降の支出予定額" in page and "令和8年度 budget" in page
    assert chousho.splitlines()[0].startswith("事項,限度額")
    assert exceptions.splitlines()[0].startswith("区分,番号,事項,行為年度,状態")
    assert workbook.status_code == 200


def test_commitment_page_in_english(books, client):
    client.force_login(books.auditor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = _text(client.get(f"/commitments/{books.desk.pk}/"))
    for words in ["Organisation", "Authorising fiscal year", "Planned annual amount", "Contracted, unpaid",
                  "Contract amount 9,000,000 yen", "Paid 750,000 yen", "9 installments", "Approval trail",
                  "Change history", "Debt-burden authorisation：窓口業務委託", "Created", "Awaiting approval",
                  "Limit (yen) 10,000,000 yen", "Payment date"]:  # fmt: skip
        assert words in text, words
    for label in ["団体", "行為年度", "変更履歴", "承認・手続の記録", "支払予定 9 件", "承認待ち", "作成"]:
        assert label not in text, label


def test_admin_commitment_list_and_change_form_in_english(books, client):
    client.force_login(books.officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    listing = _text(client.get("/admin/commitments/commitment/"))
    for words in ["Debt-burden authorisation tracker", "Limit (thousand yen)", "Authorising fiscal year",
                  "Contracted share", "Submit the selected debt-burden authorisations", "Draft"]:  # fmt: skip
        assert words in listing, words
    for label in ["限度額（千円）", "行為年度", "選択した債務負担行為を提出", "承認済", "債務負担行為 管理"]:
        assert label not in listing, label
    form = _text(client.get(f"/admin/commitments/commitment/{books.desk.pk}/change/"))
    for words in ["Register a contract", "Draft an amendment", "Spread rule", "Planned annual amount (yen)",
                  "Contract no.", "Payment terms", "Approval and change trail", "Contract registered"]:  # fmt: skip
        assert words in form, words
    for label in ["契約を登録", "補正を起案", "年割の方法", "承認・変更の記録", "契約登録"]:
        assert label not in form, label
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    assert "契約を登録" in _text(client.get(f"/admin/commitments/commitment/{books.desk.pk}/change/"))


def test_login_page_follows_accept_language_and_the_language_switch(client, db):
    japanese = _text(client.get("/accounts/login/"))
    assert "ログイン" in japanese and "ユーザー名" in japanese and "Password" not in japanese
    english = _text(client.get("/accounts/login/", **EN))
    assert "Log in" in english and "User name" in english and "Password" in english
    assert "ログイン" not in english and "パスワード" not in english
    wrong = _text(client.post("/accounts/login/", {"username": "nobody", "password": "x"}, **EN))
    assert "Incorrect user name or password." in wrong
    # The switch in the page header: /i18n/setlang/ stores the choice in the language cookie.
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "User name" in _text(client.get("/accounts/login/"))


def test_the_english_report_email_uses_the_english_templates(books):
    from commitments.models import ReportSubscription

    subscription = ReportSubscription(
        name="月次報告", organization=books.organization, first_business_day_only=False, language="en"
    )
    report_services.subscription_save(subscription=subscription, actor=books.officer)
    with time_machine.travel(NOW, tick=False):
        built = report_services.report_build(
            subscription=subscription, period=period_parse("monthly", "2026-02"), today=NOW.date()
        )
    assert built.subject.startswith("[Commitments] February 2026 report")
    assert "To the management of テスト市" in built.text and "Uncontracted authority about to lapse" in built.text
    assert "Exceptions (" in built.html and "経営層各位" not in built.text + built.html


# The catalogue itself.


def _unquote(line: str) -> str:
    return ast.literal_eval(line)


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (str) or msgstr[n] (dict), flags."""
    entries: list[dict] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        entry: dict = {"flags": set(), "msgctxt": None, "msgid_plural": None, "msgstr": None, "plural": {}}
        key: object = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                if isinstance(key, int):
                    entry["plural"][key] += _unquote(line)
                else:
                    entry[key] += _unquote(line)
            else:
                match = re.fullmatch(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])? (\".*\")", line)
                assert match, f"unreadable line in {path.name}: {line!r}"
                if match[2] is not None:
                    key = int(match[2])
                    entry["plural"][key] = _unquote(match[3])
                else:
                    key = match[1]
                    entry[key] = _unquote(match[3])
        entries.append(entry)
    return entries


PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdrfi%]|\{\w*\}")


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_the_catalogue_is_complete_and_keeps_placeholders():
    entries = read_po(LOCALE / "django.po")
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == "" and "fuzzy" not in header["flags"]
    assert "Language: en" in header["msgstr"] and "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]
    assert len(messages) > 500
    assert not [e["msgid"] for e in messages if "fuzzy" in e["flags"] or e.get("obsolete")]
    untranslated = [
        e["msgid"]
        for e in messages
        if (
            e["msgstr"] == ""
            if e["msgid_plural"] is None
            else sorted(e["plural"]) != [0, 1] or "" in e["plural"].values()
        )
    ]
    assert untranslated == []
    for e in messages:
        translations = [e["msgstr"]] if e["msgid_plural"] is None else list(e["plural"].values())
        for text in translations:
            assert _placeholders(text) == _placeholders(e["msgid"]), e["msgid"]
        # The English catalogue says nothing in Japanese but what must stay as written (era examples, form names).
        if e["msgid"] in ("和暦", "西暦", "文言", "調書", "限度額", "行為年度", "事項"):
            assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", translations[0]), e["msgid"]


def test_the_compiled_catalogue_matches_the_po():
    entries = read_po(LOCALE / "django.po")[1:]
    with open(LOCALE / "django.mo", "rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    compiled = {key[0] if isinstance(key, tuple) else key for key in catalog} - {""}
    expected = {e["msgid"] if e["msgctxt"] is None else f"{e['msgctxt']}\x04{e['msgid']}" for e in entries}
    assert compiled == expected, "locale/en/LC_MESSAGES/django.mo is out of date: run compilemessages"
    for e in entries:
        key = e["msgid"] if e["msgctxt"] is None else f"{e['msgctxt']}\x04{e['msgid']}"
        if e["msgid_plural"] is None:
            assert catalog[key] == e["msgstr"], e["msgid"]
        else:
            assert [catalog[(key, n)] for n in sorted(e["plural"])] == [e["plural"][n] for n in sorted(e["plural"])]
