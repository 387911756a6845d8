"""import_commitments on real books: the J-LIS seed table and 富士市's 第２表 (R7, R8); encodings, XLSX, errors."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from commitments.models import Commitment, CommitmentEvent, PlannedAmount, Segment, Status
from commitments.services.demo import JLIS_SEGMENTS
from tests.support.factories import make_org

DATA = Path(__file__).resolve().parents[2] / "commitments" / "data"
SEED = DATA / "jlis_fy2017_commitments.csv"
R7 = DATA / "fuji" / "fuji_R07_2025_dai2hyo_saimufutankoui.csv"
R8 = DATA / "fuji" / "fuji_R08_2026_dai2hyo_saimufutankoui.csv"
TEXT_LIMIT = "寄附金額に応じた諸経費にかかる金額"


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_commitments", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def jlis(db):
    o = make_org("地方公共団体情報システム機構")
    for order, (code, name) in enumerate(JLIS_SEGMENTS, start=1):
        Segment.objects.update_or_create(
            organization=o.organization, code=code, defaults={"name": name, "sort_order": order}
        )
    return o


@pytest.fixture
def fuji(db):
    """富士市 with one segment (一般会計): rows without a 事業区分 go there."""
    o = make_org("富士市")
    o.other_segment.delete()
    return o


def test_seed_table_gives_32_commitments_totalling_25_395_623_thousand_yen(jlis):
    out, _err = run(str(SEED), "--organization", "地方公共団体情報システム機構")
    assert "新規 32 件を登録しました" in out
    commitments = Commitment.objects.filter(organization=jlis.organization)
    assert commitments.count() == 32
    assert commitments.aggregate(total=Sum("limit_yen"))["total"] == 25_395_623_000
    assert set(commitments.values_list("status", flat=True)) == {Status.APPROVED}
    assert set(commitments.values_list("authorized_fy", flat=True)) == {2017}
    phone = commitments.get(matter="構内電話交換機のリース")  # 平成29年度から平成35年度
    assert (phone.first_burden_fy, phone.last_burden_fy, phone.limit_yen, phone.seq) == (2017, 2023, 10_889_000, 2)
    assert (phone.submitted_by, phone.approved_by) == (jlis.officer, jlis.approver)
    assert phone.segment.code == "general"
    assert dict(phone.planned_amounts.values_list("fiscal_year", "amount_yen")) == {
        2017: 1_559_000,
        2018: 1_555_000,
        2019: 1_555_000,
        2020: 1_555_000,
        2021: 1_555_000,
        2022: 1_555_000,
        2023: 1_555_000,
    }
    assert commitments.filter(last_burden_fy=2023).count() == 3  # the three rows ending in 平成35年度
    assert commitments.get(seq=23).segment.code == "mynumber_card"
    shared = commitments.filter(matter="地方税・地方交付税等の情報処理システムの機器及びソフトウェアのリース")
    assert sorted(shared.values_list("limit_yen", flat=True)) == [1_350_000, 996_000_000]
    # Provenance: the history row and the trail name the file and the row.
    assert phone.history.get().history_change_reason == "取込: jlis_fy2017_commitments.csv 3行"
    assert phone.history.get().history_user == jlis.officer
    event = CommitmentEvent.objects.get(commitment=phone)
    assert event.action == "import" and event.to_status == Status.APPROVED
    assert "jlis_fy2017_commitments.csv 3行" in event.note and "一連番号 2" in event.note
    assert PlannedAmount.history.filter(history_change_reason="取込: jlis_fy2017_commitments.csv 3行").count() == 7

    again, _err = run(str(SEED), "--organization", "地方公共団体情報システム機構")  # idempotent
    assert "新規 0 件を登録しました。登録済 32 件" in again
    assert Commitment.objects.count() == 32 and CommitmentEvent.objects.count() == 32


@pytest.mark.parametrize(("path", "year", "authorized"), [(R7, "令和7年度", 2025), (R8, "2026", 2026)])
def test_dai2hyo_gives_33_commitments_of_the_budget_year(fuji, path, year, authorized):
    out, _err = run(str(path), "--organization", "富士市", "--budget-year", year, "--segment", "general")
    assert "新規 33 件" in out
    commitments = Commitment.objects.filter(organization=fuji.organization)
    assert commitments.count() == 33
    assert set(commitments.values_list("authorized_fy", flat=True)) == {authorized}
    assert commitments.filter(first_burden_fy=authorized + 1).count() == 33  # every row starts the next year
    text = commitments.filter(limit_yen__isnull=True)
    if authorized == 2026:
        assert list(text.values_list("limit_text", flat=True)) == [TEXT_LIMIT]
        (flagged,) = text
        assert "限度額は文言" in CommitmentEvent.objects.get(commitment=flagged).note
        assert commitments.aggregate(t=Sum("limit_yen"))["t"] == 12_670_121_000
    else:
        assert not text.exists()
        proviso = commitments.get(matter="農林漁業資金特別融資元利金補給")
        assert (proviso.limit_yen, proviso.first_burden_fy, proviso.last_burden_fy) == (5_753_000, 2026, 2040)
        assert "ただし、８年度から22年度まで" in CommitmentEvent.objects.get(commitment=proviso).note
        assert commitments.aggregate(t=Sum("limit_yen"))["t"] == 9_318_814_000


def test_both_years_into_one_organization_keep_the_same_matter_apart(fuji):
    run(str(R7), "--organization", "富士市", "--budget-year", "令和7年度")
    run(str(R8), "--organization", "富士市", "--budget-year", "令和8年度")
    trucks = Commitment.objects.filter(matter="消防車両更新事業").order_by("authorized_fy")
    assert [(c.authorized_fy, c.limit_yen) for c in trucks] == [(2025, 218_900_000), (2026, 210_100_000)]
    assert Commitment.objects.count() == 66


def test_dry_run_lists_the_rows_and_writes_nothing(fuji):
    out, _err = run(str(R8), "--organization", "富士市", "--budget-year", "令和8年度", "--dry-run")
    assert "新規 33 件を登録します（--dry-run のため未登録）" in out
    assert "例規集データ更新業務　限度額 14,913　令和9年度から令和13年度まで" in out
    assert f"※ 限度額は文言「{TEXT_LIMIT}」" in out
    assert not Commitment.objects.exists()


def test_cp932_file(fuji, tmp_path):
    path = tmp_path / "dai2hyo_cp932.csv"
    path.write_bytes(R8.read_text(encoding="utf-8").encode("cp932"))
    out, _err = run(str(path), "--organization", "富士市", "--budget-year", "令和8年度")
    assert "新規 33 件" in out
    assert Commitment.objects.filter(matter="例規集データ更新業務", limit_yen=14_913_000).exists()


def test_xlsx_file(fuji, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["令和８年度富士市一般会計予算　第２表　債務負担行為"])
    sheet.append(["（単位　千円）"])
    sheet.append(["事項", "期間", "限度額"])
    sheet.append(["例規集データ更新業務", "９年度から\n13年度まで", 14913])
    sheet.append(["ふるさと納税制度特産品配布等業務", "９年度から11年度まで", TEXT_LIMIT])
    path = tmp_path / "dai2hyo.xlsx"
    book.save(path)
    run(str(path), "--organization", "富士市", "--budget-year", "令和8年度")
    rows = Commitment.objects.order_by("id")
    assert [(c.matter, c.limit_yen, c.limit_text, c.first_burden_fy, c.last_burden_fy) for c in rows] == [
        ("例規集データ更新業務", 14_913_000, "", 2027, 2031),
        ("ふるさと納税制度特産品配布等業務", None, TEXT_LIMIT, 2027, 2029),
    ]


def test_one_bad_row_imports_nothing_and_names_the_row(fuji, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(R8.read_text(encoding="utf-8").replace("５２，７２１", "５２，７２１円也", 1), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 行に誤り"):
        call_command(
            "import_commitments",
            str(path),
            "--organization",
            "富士市",
            "--budget-year",
            "令和8年度",
            stdout=out,
            stderr=err,
        )
    assert "5行目（行番号 4）限度額「５２，７２１円也」: 金額を読み取れません" in err.getvalue()
    assert not Commitment.objects.exists()


def test_missing_budget_year_for_the_dai2hyo_is_a_clear_error(fuji):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_commitments", str(R8), "--organization", "富士市", stdout=io.StringIO(), stderr=err)
    assert "予算年度を指定してください" in err.getvalue()


def test_unknown_organization_and_segment(fuji, tmp_path):
    with pytest.raises(CommandError, match="団体が見つかりません"):
        run(str(R8), "--organization", "存在しない市", "--budget-year", "2026")
    Segment.objects.create(organization=fuji.organization, code="water", name="水道事業会計")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_commitments",
            str(R8),
            "--organization",
            "富士市",
            "--budget-year",
            "2026",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "事業区分を指定してください" in err.getvalue()  # two segments now, and the table names none


def test_approver_must_differ_from_the_importing_officer(fuji):
    with pytest.raises(CommandError, match="職務分掌"):
        run(
            str(R8),
            "--organization",
            "富士市",
            "--budget-year",
            "2026",
            "--segment",
            "general",
            "--user",
            "officer",
            "--approver",
            "officer",
        )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal(fuji):
    err = _Terminal()
    call_command(
        "import_commitments",
        str(R8),
        "--organization",
        "富士市",
        "--budget-year",
        "2026",
        "--segment",
        "general",
        stdout=io.StringIO(),
        stderr=err,
    )
    assert "\r登録 [##############################] 33/33" in err.getvalue()
