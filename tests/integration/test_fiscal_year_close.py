"""The year-end close (年度末処理) as a controlled event: per organization and fiscal year, never before 1 April of the
next year, previewed with amounts, run once and recorded with who and when.

The books of テスト市 for 令和8年度 (FY2026), entered on 2026-11-16:

- 測量業務委託: limit 3,000,000, no contract → lapses, 3,000,000 lapsed;
- 庁舎保守業務委託: limit 7,500,000, contract 7,000,000 (quarterly, unpaid) → keeps the contract, 500,000 lapses;
- 備品購入: limit 2,000,000, contract 1,500,000 paid in full on 2027-03-30 → completes, its 500,000 lapses;
- 翌年度の業務 (令和9年度) and 富士市's 令和8年度 authority: untouched by テスト市's close of 令和8年度.

3,000,000 + 500,000 + 500,000 = 4,000,000 yen lapse in all.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from commitments import tasks
from commitments.models import Commitment, CommitmentEvent, FiscalYearClose, Status
from commitments.services import closing, lifecycle, payments
from commitments.services.errors import PermissionDeniedError, ServiceError
from tests.support.factories import make_commitment, make_contract, make_org

TOKYO = ZoneInfo("Asia/Tokyo")
IN_YEAR = datetime(2026, 11, 16, 10, 0, tzinfo=TOKYO)
REPORTED = datetime(2026, 12, 3, 10, 0, tzinfo=TOKYO)  # when the tester ran the future rollover
LAST_MINUTE = datetime(2027, 3, 31, 23, 59, tzinfo=TOKYO)
FIRST_SECOND = datetime(2027, 4, 1, 0, 0, 1, tzinfo=TOKYO)  # still 31 March in UTC
BEAT = datetime(2027, 4, 1, 0, 5, tzinfo=TOKYO)
CLOSING_DAY = datetime(2027, 4, 10, 10, 0, tzinfo=TOKYO)
R8 = {"authorized_fy": 2026, "first_burden_fy": 2026, "last_burden_fy": 2028}
NOT_YET = "令和8年度の年度末処理は 2027年4月1日 から行えます（今日は %s）。将来の年度は締められません。"


@pytest.fixture
def books(org):
    with time_machine.travel(IN_YEAR, tick=False):
        org.survey = make_commitment(org, matter="測量業務委託", seq=1, limit_yen=3_000_000, **R8)
        org.upkeep = make_commitment(org, matter="庁舎保守業務委託", seq=2, limit_yen=7_500_000, **R8)
        make_contract(
            org, org.upkeep, "R8-保守-1", 7_000_000, signed_on=date(2026, 6, 1), start_on=date(2026, 7, 1),
            end_on=date(2027, 6, 30), payment_terms="quarterly",
        )  # fmt: skip
        org.fixtures = make_commitment(
            org, matter="備品購入", seq=3, limit_yen=2_000_000, authorized_fy=2026, first_burden_fy=2026,
            last_burden_fy=2026,
        )  # fmt: skip
        bought = make_contract(
            org, org.fixtures, "R8-備品-1", 1_500_000, signed_on=date(2026, 5, 1), start_on=date(2026, 5, 1),
            end_on=date(2027, 3, 31),
        )  # fmt: skip
        org.next_year = make_commitment(
            org, matter="翌年度の業務", seq=1, limit_yen=1_000_000, authorized_fy=2027, first_burden_fy=2027,
            last_burden_fy=2028,
        )  # fmt: skip
        org.fuji = make_org("富士市", prefix="fuji_")
        org.fuji_authority = make_commitment(org.fuji, matter="富士市の委託", limit_yen=4_000_000, **R8)
    with time_machine.travel(datetime(2027, 3, 30, 15, 0, tzinfo=TOKYO), tick=False):
        payments.payment_record(actor=org.officer2, contract=bought, paid_on=date(2027, 3, 30), amount_yen=1_500_000)
    return org


def _line(c: Commitment, limit: int, contracted: int, paid: int, lapsed: int) -> dict[str, object]:
    return {
        "id": c.pk, "seq": c.seq, "matter": c.matter, "authorized_fy": 2026, "deadline_fy": 2026, "limit_yen": limit,
        "contracted_yen": contracted, "paid_yen": paid, "lapsed_yen": lapsed,
    }  # fmt: skip


def _expected(o) -> dict[str, object]:
    return {
        "as_of": "2027-04-01",
        "lapsed": [_line(o.survey, 3_000_000, 0, 0, 3_000_000)],
        "completed": [_line(o.fixtures, 2_000_000, 1_500_000, 1_500_000, 500_000)],
        "closed_remainder": [_line(o.upkeep, 7_500_000, 7_000_000, 0, 500_000)],
        "lapsed_yen": 4_000_000,
    }


def _statuses(*commitments: Commitment) -> list[str]:
    return [Commitment.objects.get(pk=c.pk).status for c in commitments]


def _written() -> tuple[int, int, int]:
    """Everything a close writes: close records, trail entries, commitment versions."""
    return FiscalYearClose.objects.count(), CommitmentEvent.objects.count(), Commitment.history.count()


def _close(o, actor=None, **kwargs):
    return closing.fiscal_year_close(
        actor=actor or o.approver, organization=o.organization, fiscal_year=kwargs.pop("fiscal_year", 2026), **kwargs
    )


@pytest.mark.django_db
def test_a_year_not_yet_ended_cannot_be_closed_nor_previewed(books):
    before = _written()
    for moment, today in ((REPORTED, "2026年12月3日"), (LAST_MINUTE, "2027年3月31日")):
        for dry_run in (False, True):
            with time_machine.travel(moment, tick=False), pytest.raises(ServiceError) as refused:
                _close(books, dry_run=dry_run)
            assert str(refused.value) == NOT_YET % today
    with time_machine.travel(REPORTED, tick=False), pytest.raises(ServiceError, match="令和9年度の年度末処理は"):
        _close(books, fiscal_year=2027)
    assert _written() == before
    assert _statuses(books.survey, books.upkeep, books.fixtures) == [Status.APPROVED, Status.ACTIVE, Status.ACTIVE]
    # The first second of 1 April in Tokyo (still 31 March in UTC) is late enough.
    with time_machine.travel(FIRST_SECOND, tick=False):
        assert _close(books).record.fiscal_year == 2026


@pytest.mark.django_db
def test_the_reported_future_rollover_is_refused_and_nothing_lapses(books):
    """`project_outflows --all --rollover --as-of 2027-04-01` in December 2026 lapsed live authority everywhere."""
    before = _written()
    with time_machine.travel(REPORTED, tick=False):
        with pytest.raises(CommandError, match=r"--rollover は廃止しました。.*close_fiscal_year --organization"):
            call_command("project_outflows", "--all", "--rollover", "--as-of", "2027-04-01", stdout=io.StringIO())
        with pytest.raises(ServiceError) as refused:
            lifecycle.commitments_rollover(as_of=date(2027, 4, 1))
        assert str(refused.value) == (
            "基準日 2027年4月1日 は今日（2026年12月3日）より後です。将来の日付で失効させることはできません。"
        )
        with pytest.raises(CommandError) as command_refused:
            call_command("close_fiscal_year", "--organization", "富士市", "--fy", "2026", stdout=io.StringIO())
        assert str(command_refused.value) == NOT_YET % "2026年12月3日"
        # Computing a projection as of a future day still works: it writes projections only.
        call_command("project_outflows", "--all", "--as-of", "2027-04-01", stdout=io.StringIO())
    assert _written() == before
    assert not Commitment.objects.filter(status=Status.LAPSED).exists()
    assert _statuses(books.survey, books.fuji_authority) == [Status.APPROVED, Status.APPROVED]


@pytest.mark.django_db
def test_the_dry_run_lists_what_lapses_and_completes_with_amounts_and_writes_nothing(books):
    before = _written()
    with time_machine.travel(CLOSING_DAY, tick=False):
        preview = _close(books, dry_run=True)
    assert preview.dry_run and not preview.already and preview.record is None
    assert preview.as_result() == _expected(books)
    assert preview.summary() == (
        "令和8年度 年度末処理（テスト市）：失効 1 件、完了 1 件、未契約分の失効 1 件（失効額 4,000,000円）"
        "（確認のみ：何も書き込んでいません）"
    )
    assert _written() == before
    assert _statuses(books.survey, books.upkeep, books.fixtures) == [Status.APPROVED, Status.ACTIVE, Status.ACTIVE]


@pytest.mark.django_db
def test_the_close_runs_once_with_the_lifecycle_trail_and_is_recorded_with_who_and_when(books):
    with time_machine.travel(CLOSING_DAY, tick=False):
        done = _close(books)
    assert not done.already and done.as_result() == _expected(books)
    record = FiscalYearClose.objects.get()
    assert (record.organization, record.fiscal_year, record.closed_by) == (books.organization, 2026, books.approver)
    assert record.closed_at == CLOSING_DAY and record.result == _expected(books)
    assert _statuses(books.survey, books.upkeep, books.fixtures, books.next_year, books.fuji_authority) == [
        Status.LAPSED, Status.ACTIVE, Status.COMPLETED, Status.APPROVED, Status.APPROVED,
    ]  # fmt: skip
    trail = {
        e.commitment_id: (e.action, e.actor, e.note)
        for e in CommitmentEvent.objects.filter(
            actor=books.approver, action__in=["lapse", "lapse_remainder", "complete"]
        )
    }
    assert trail == {
        books.survey.pk: ("lapse", books.approver, "令和8年度末までに契約がなく失効"),
        books.upkeep.pk: (
            "lapse_remainder", books.approver, "未契約の限度額 500,000円 は失効（契約済 7,000,000円 のみ存続）",
        ),
        books.fixtures.pk: ("complete", books.approver, ""),
    }  # fmt: skip
    lapsed = Commitment.objects.get(pk=books.survey.pk).history.first()
    assert (lapsed.status, lapsed.history_user, lapsed.history_change_reason) == (
        Status.LAPSED, books.approver, "行為年度の終了による失効",
    )  # fmt: skip

    # A second run, by anyone, a dry run or the command: nothing written, and it says who closed the year and when.
    written = _written()
    already = "令和8年度は 2027年4月10日 10:00 に approver が年度末処理を実施済みです。"
    with time_machine.travel(datetime(2027, 4, 11, 9, 0, tzinfo=TOKYO), tick=False):
        again = _close(books, actor=books.officer)  # officer is an approver too
        assert again.already and again.record == record and again.as_result() == _expected(books)
        assert again.summary() == f"令和8年度 年度末処理（テスト市）：{already}"
        assert _close(books, dry_run=True).already
        out = io.StringIO()
        call_command("close_fiscal_year", "--organization", "テスト市", "--fy", "令和8年度", stdout=out)
    assert already in out.getvalue()
    assert _written() == written


@pytest.mark.django_db
def test_only_the_organizations_approvers_or_staff_may_close(books, django_user_model):
    with time_machine.travel(CLOSING_DAY, tick=False):
        for someone in (books.officer2, books.auditor, books.manager):
            with pytest.raises(PermissionDeniedError):
                _close(books, actor=someone, dry_run=True)
        with pytest.raises(PermissionDeniedError, match="他の団体のデータは操作できません"):
            _close(books, actor=books.fuji.approver)
        assert not FiscalYearClose.objects.exists()
        admin = django_user_model.objects.create_superuser("root", "root@example.jp", "pw-root")
        assert _close(books, actor=admin).record.closed_by == admin


@pytest.mark.django_db
def test_the_command_previews_then_closes_as_the_system_user(books):
    with time_machine.travel(CLOSING_DAY, tick=False):
        out = io.StringIO()
        call_command("close_fiscal_year", "--organization", "テスト市", "--fy", "R8", "--dry-run", stdout=out)
        assert not FiscalYearClose.objects.exists()
        text = out.getvalue()
        assert text.startswith(
            "令和8年度 年度末処理（テスト市）：失効 1 件、完了 1 件、未契約分の失効 1 件（失効額 4,000,000円）"
        )
        assert (
            f"失効\tID {books.survey.pk}\t測量業務委託\t令和8年度\t限度額 3,000,000円\t契約済 0円\t支出済 0円"
            "\t失効額 3,000,000円"
        ) in text
        assert (
            f"完了\tID {books.fixtures.pk}\t備品購入\t令和8年度\t限度額 2,000,000円\t契約済 1,500,000円"
            "\t支出済 1,500,000円\t失効額 500,000円"
        ) in text
        with pytest.raises(CommandError, match="ユーザーが見つかりません: nobody"):
            call_command("close_fiscal_year", "--organization", "テスト市", "--fy", "2026", "--user", "nobody")
        with pytest.raises(CommandError, match="この操作を行う権限がありません"):
            call_command("close_fiscal_year", "--organization", "テスト市", "--fy", "2026", "--user", "officer2")
        out = io.StringIO()
        call_command("close_fiscal_year", "--organization", "テスト市", "--fy", "2026", stdout=out)
    record = FiscalYearClose.objects.get()
    assert record.closed_by.username == "system" and record.result == _expected(books)
    assert f"年度末処理を記録しました（記録 ID {record.pk}）。" in out.getvalue()


@pytest.mark.django_db
def test_the_beat_task_closes_every_organization_once(books):
    empty = make_org("新設市", prefix="new_")  # no commitments: its close is recorded all the same
    with time_machine.travel(BEAT, tick=False):
        first = tasks.close_fiscal_years()
        second = tasks.close_fiscal_years()
    assert first == {
        "fiscal_year": 2026, "closed": 3, "already": 0, "lapsed": 2, "completed": 1, "closed_remainder": 1,
    }  # fmt: skip
    assert second == {
        "fiscal_year": 2026, "closed": 0, "already": 3, "lapsed": 0, "completed": 0, "closed_remainder": 0,
    }  # fmt: skip
    closes = FiscalYearClose.objects.order_by("organization_id")
    assert [(c.organization, c.fiscal_year, c.closed_by.username) for c in closes] == [
        (books.organization, 2026, "system"),
        (books.fuji.organization, 2026, "system"),
        (empty.organization, 2026, "system"),
    ]  # fmt: skip
    assert closes[0].result == _expected(books)
    assert closes[2].result == {
        "as_of": "2027-04-01",
        "lapsed": [],
        "completed": [],
        "closed_remainder": [],
        "lapsed_yen": 0,
    }
    assert _statuses(books.survey, books.fuji_authority, books.next_year) == [
        Status.LAPSED,
        Status.LAPSED,
        Status.APPROVED,
    ]
    assert not hasattr(tasks, "rollover_fiscal_year")


@pytest.mark.django_db
def test_a_later_close_catches_up_a_year_left_open_and_never_lapses_twice(books):
    """Nobody closed 令和8年度; the close of 令和9年度 applies its year end too, once."""
    with time_machine.travel(datetime(2028, 4, 3, 9, 0, tzinfo=TOKYO), tick=False):
        later = _close(books, fiscal_year=2027)
        assert [line.id for line in later.lapsed] == [books.survey.pk, books.next_year.pk]
        assert [line.id for line in later.closed_remainder] == [books.upkeep.pk]
        assert later.lapsed_yen == 3_000_000 + 1_000_000 + 500_000 + 500_000
        assert _close(books).lapsed == []  # the year left open has nothing left to do
    assert CommitmentEvent.objects.filter(commitment=books.upkeep, action="lapse_remainder").count() == 1


def _admin_client(client, user):
    """Logged in at the frozen time (a session opened today would have expired by then)."""
    with time_machine.travel(CLOSING_DAY, tick=False):
        client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_admin_page_previews_then_closes_for_an_approver(books, client):
    approver = _admin_client(client, books.approver)
    with time_machine.travel(CLOSING_DAY, tick=False):
        page = approver.get("/admin/commitments/fiscalyearclose/add/")
        assert page.status_code == 200
        assert '<option value="2026" selected>令和8年度（2026）</option>' in page.content.decode()
        preview = approver.post("/admin/commitments/fiscalyearclose/add/", {"fiscal_year": "2026", "_preview": "1"})
        html = preview.content.decode()
        assert preview.status_code == 200 and not FiscalYearClose.objects.exists()
        for shown in (
            "測量業務委託",
            "3,000,000",
            "7,500,000",
            "7,000,000",
            "4,000,000",
            "令和8年度",
            "年度末処理を実行する",
        ):
            assert shown in html, shown
        done = approver.post("/admin/commitments/fiscalyearclose/add/", {"fiscal_year": "2026", "_confirm": "1"})
    record = FiscalYearClose.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/admin/commitments/fiscalyearclose/{record.pk}/change/"
    assert record.closed_by == books.approver and record.result == _expected(books)
    result = approver.get(done["Location"])
    assert result.status_code == 200
    assert "令和8年度は 2027年4月10日 10:00 に approver が年度末処理を実施済みです。" in result.content.decode()
    listing = approver.get("/admin/commitments/fiscalyearclose/")
    assert listing.status_code == 200 and "令和8年度" in listing.content.decode()
    with time_machine.travel(CLOSING_DAY, tick=False):  # confirming again writes nothing
        approver.post("/admin/commitments/fiscalyearclose/add/", {"fiscal_year": "2026", "_confirm": "1"})
    assert FiscalYearClose.objects.count() == 1


@pytest.mark.django_db
def test_a_superuser_chooses_the_organization_on_the_admin_page(books, client, django_user_model):
    root = _admin_client(client, django_user_model.objects.create_superuser("root", "root@example.jp", "pw-root"))
    chosen = {"organization": str(books.fuji.organization.pk), "fiscal_year": "2026"}
    with time_machine.travel(CLOSING_DAY, tick=False):
        missing = root.post("/admin/commitments/fiscalyearclose/add/", {"fiscal_year": "2026", "_preview": "1"})
        assert missing.status_code == 200 and not FiscalYearClose.objects.exists()
        preview = root.post("/admin/commitments/fiscalyearclose/add/", {**chosen, "_preview": "1"})
        html = preview.content.decode()
        assert "富士市の委託" in html and "測量業務委託" not in html
        assert f'<input type="hidden" name="organization" value="{books.fuji.organization.pk}">' in html
        root.post("/admin/commitments/fiscalyearclose/add/", {**chosen, "_confirm": "1"})
    record = FiscalYearClose.objects.get()
    assert (record.organization, record.closed_by.username) == (books.fuji.organization, "root")
    assert _statuses(books.fuji_authority, books.survey) == [Status.LAPSED, Status.APPROVED]


@pytest.mark.django_db
def test_the_admin_page_is_refused_to_an_auditor(books, client):
    for staff in (False, True):
        books.auditor.is_staff = staff
        books.auditor.save()
        auditor = _admin_client(client, books.auditor)
        with time_machine.travel(CLOSING_DAY, tick=False):
            page = auditor.get("/admin/commitments/fiscalyearclose/add/")
            preview = auditor.post("/admin/commitments/fiscalyearclose/add/", {"fiscal_year": "2026", "_preview": "1"})
            confirm = auditor.post("/admin/commitments/fiscalyearclose/add/", {"fiscal_year": "2026", "_confirm": "1"})
        expected = 403 if staff else 302  # not staff: the admin sends them to its login
        assert [page.status_code, preview.status_code, confirm.status_code] == [expected] * 3
    assert not FiscalYearClose.objects.exists()
    assert _statuses(books.survey) == [Status.APPROVED]
