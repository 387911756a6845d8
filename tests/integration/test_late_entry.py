"""Late entry in the 出納整理期間: a contract signed by 31 March and entered after the year-end close is accepted until
31 May, undoing the lapse for its amount; afterwards only an approver's reopening (再開, 30 days) lets it in.

令和8年度 (FY2026) authority of 7,500,000 yen for FY2026–FY2028, with no contract at the close of FY2026 (1 April
2027): it lapses. Contract R8-委託-1 of 7,000,000, signed 2027-03-31, runs 2027-04-01 to 2028-03-31, paid quarterly
(four installments of 1,750,000 due in FY2027). Entered on 2027-04-10: the lapse is undone for 7,000,000, the
other 500,000 stays lapsed, the projection has no uncontracted authority. 年割額: 7,500,000 / 3 = 2,500,000 a year.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from commitments.models import Commitment, CommitmentEvent, CommitmentReopening, Contract, ProjectionYear, Status
from commitments.services import closing, contract_rules, projection
from commitments.services.errors import InvalidTransitionError, LimitExceededError, PermissionDeniedError, ServiceError
from tests.support.factories import make_commitment, make_contract

TOKYO = ZoneInfo("Asia/Tokyo")
IN_YEAR = datetime(2026, 11, 16, 10, 0, tzinfo=TOKYO)
BEAT = datetime(2027, 4, 1, 0, 5, tzinfo=TOKYO)
TENTH_OF_APRIL = datetime(2027, 4, 10, 10, 0, tzinfo=TOKYO)
LAST_DAY = datetime(2027, 5, 31, 23, 59, tzinfo=TOKYO)
FIRST_OF_JUNE = datetime(2027, 6, 1, 9, 0, tzinfo=TOKYO)
R8 = {"authorized_fy": 2026, "first_burden_fy": 2026, "last_burden_fy": 2028}
AFTER_MAY = (
    "年度末処理後の契約登録は出納整理期間の末日（2027年5月31日）までです。"
    "登録するには承認者が債務負担行為を「再開」してください。"
)


def _signed_on_31_march(o, commitment, contract_no: str = "R8-委託-1", amount_yen: int = 7_000_000) -> Contract:
    return make_contract(
        o, commitment, contract_no, amount_yen, signed_on=date(2027, 3, 31), start_on=date(2027, 4, 1),
        end_on=date(2028, 3, 31), payment_terms="quarterly",
    )  # fmt: skip


def _close_fy2026() -> None:
    with time_machine.travel(BEAT, tick=False):
        closing.fiscal_years_close_due()


@pytest.fixture
def lapsed(org):
    """The 7,500,000 authority, lapsed by the close of FY2026."""
    with time_machine.travel(IN_YEAR, tick=False):
        commitment = make_commitment(org, matter="窓口業務委託", limit_yen=7_500_000, **R8)
    _close_fy2026()
    commitment.refresh_from_db()
    assert commitment.status == Status.LAPSED
    return commitment


def _projection(commitment: Commitment) -> dict[int, tuple[int, int, int, int]]:
    return {
        p.fiscal_year: (p.planned_yen, p.paid_yen, p.contracted_yen, p.uncontracted_yen)
        for p in ProjectionYear.objects.filter(commitment=commitment).order_by("fiscal_year")
    }


@pytest.mark.django_db
def test_a_31_march_contract_entered_on_10_april_undoes_that_much_of_the_lapse(org, lapsed):
    with time_machine.travel(TENTH_OF_APRIL, tick=False):
        contract = _signed_on_31_march(org, lapsed)
        commitment = Commitment.objects.get(pk=lapsed.pk)
        assert commitment.status == Status.ACTIVE
        event = CommitmentEvent.objects.filter(commitment=commitment).last()
        assert (event.action_label, event.actor, event.from_status, event.to_status, event.at) == (
            "年度末処理後の契約登録", org.officer2, Status.LAPSED, Status.ACTIVE, TENTH_OF_APRIL,
        )  # fmt: skip
        assert event.note == (
            "R8-委託-1 株式会社テスト 7,000,000円（令和9年3月31日締結）。"
            "失効した限度額のうち 7,000,000円 を取消し、未契約の 500,000円 は失効のまま"
        )
        version = commitment.history.first()
        assert (version.status, version.history_user, version.history_change_reason) == (
            Status.ACTIVE, org.officer2, "年度末処理後の契約登録",
        )  # fmt: skip
        assert contract.amount_yen == 7_000_000
        # Only the contract is left: no uncontracted authority, in both projection engines.
        expected = {
            2026: (2_500_000, 0, 0, 0),
            2027: (2_500_000, 0, 7_000_000, 0),
            2028: (2_500_000, 0, 0, 0),
        }
        projection.projection_refresh(commitment_id=commitment.pk)
        assert _projection(commitment) == expected
        projection.projection_refresh_many(commitment_ids=[commitment.pk])
        assert _projection(commitment) == expected
        # What stays lapsed cannot be contracted again.
        with pytest.raises(LimitExceededError, match="限度額 7,500,000円、契約済 7,000,000円、今回 600,000円"):
            _signed_on_31_march(org, commitment, "R8-委託-2", 600_000)
    # The next year's close does not lapse the 500,000 a second time.
    with time_machine.travel(datetime(2028, 4, 1, 0, 5, tzinfo=TOKYO), tick=False):
        later = closing.fiscal_year_close(actor=org.approver, organization=org.organization, fiscal_year=2027)
    assert later.closed_remainder == [] and later.lapsed_yen == 0
    assert not CommitmentEvent.objects.filter(commitment=lapsed, action="lapse_remainder").exists()


@pytest.mark.django_db
def test_a_late_entry_under_an_active_commitment_takes_back_part_of_its_lapsed_remainder(org):
    with time_machine.travel(IN_YEAR, tick=False):
        commitment = make_commitment(org, matter="庁舎保守業務委託", limit_yen=7_500_000, **R8)
        make_contract(
            org, commitment, "R8-保守-1", 5_000_000, signed_on=date(2026, 6, 1), start_on=date(2026, 7, 1),
            end_on=date(2027, 6, 30), payment_terms="quarterly",
        )  # fmt: skip
    _close_fy2026()  # 2,500,000 of the limit lapses
    with time_machine.travel(LAST_DAY, tick=False):  # 31 May 23:59: still in the 出納整理期間
        _signed_on_31_march(org, commitment, "R8-保守-2", 2_000_000)
    event = CommitmentEvent.objects.filter(commitment=commitment).last()
    assert (event.action, event.from_status, event.to_status) == ("late_contract", Status.ACTIVE, Status.ACTIVE)
    assert event.note.endswith("失効した限度額のうち 2,000,000円 を取消し、未契約の 500,000円 は失効のまま")
    with time_machine.travel(FIRST_OF_JUNE, tick=False), pytest.raises(InvalidTransitionError) as refused:
        _signed_on_31_march(org, commitment, "R8-保守-3", 500_000)
    assert str(refused.value) == AFTER_MAY
    assert Contract.objects.filter(commitment=commitment).count() == 2


@pytest.mark.django_db
def test_on_1_june_the_late_contract_is_refused_naming_the_date(org, lapsed):
    with time_machine.travel(FIRST_OF_JUNE, tick=False):
        with pytest.raises(InvalidTransitionError) as refused:
            _signed_on_31_march(org, lapsed)
        assert str(refused.value) == AFTER_MAY
        assert not contract_rules.contractable_commitments(date(2027, 6, 1)).filter(pk=lapsed.pk).exists()
    assert contract_rules.contractable_commitments(date(2027, 5, 31)).filter(pk=lapsed.pk).exists()
    assert Commitment.objects.get(pk=lapsed.pk).status == Status.LAPSED
    assert not Contract.objects.filter(commitment=lapsed).exists()


@pytest.mark.django_db
def test_a_contract_signed_after_31_march_stays_refused_in_the_window(org, lapsed):
    with time_machine.travel(TENTH_OF_APRIL, tick=False), pytest.raises(ServiceError) as refused:
        make_contract(
            org, lapsed, "R9-委託-1", 1_000_000, signed_on=date(2027, 4, 2), start_on=date(2027, 4, 2),
            end_on=date(2028, 3, 31),
        )  # fmt: skip
    assert (
        str(refused.value)
        == "契約締結日 2027年4月2日（令和9年度）は行為年度（令和8年度）の外です。期限を延長する補正の承認が必要です。"
    )


@pytest.mark.django_db
def test_an_approver_reopens_a_lapsed_commitment_for_30_days_and_an_officer_cannot(org, lapsed):
    with time_machine.travel(FIRST_OF_JUNE, tick=False):
        with pytest.raises(PermissionDeniedError):
            closing.commitment_reopen(actor=org.officer2, commitment=lapsed, reason="契約書の回付遅延")
        with pytest.raises(ServiceError, match="再開の理由を入力してください"):
            closing.commitment_reopen(actor=org.approver, commitment=lapsed, reason="　")
        assert not CommitmentReopening.objects.exists()
        reopening = closing.commitment_reopen(actor=org.approver, commitment=lapsed, reason="契約書の回付遅延")
        assert (reopening.until, reopening.reopened_by, reopening.reason) == (
            date(2027, 7, 1), org.approver, "契約書の回付遅延",
        )  # fmt: skip
        note = "理由：契約書の回付遅延。2027年7月1日まで契約締結期限内に締結した契約を登録できます"
        event = CommitmentEvent.objects.filter(commitment=lapsed).last()
        assert (event.action_label, event.actor, event.to_status, event.note) == (
            "再開（年度末処理後の契約登録）", org.approver, Status.LAPSED, note,
        )  # fmt: skip
        version = Commitment.objects.get(pk=lapsed.pk).history.first()
        assert (version.history_user, version.history_change_reason) == (
            org.approver, f"再開（年度末処理後の契約登録）：{note}",
        )  # fmt: skip
        assert version.status == Status.LAPSED  # reopening changes no state: the contract does
        assert contract_rules.contractable_commitments(date(2027, 6, 1)).filter(pk=lapsed.pk).exists()
        _signed_on_31_march(org, lapsed)
    assert Commitment.objects.get(pk=lapsed.pk).status == Status.ACTIVE
    with time_machine.travel(datetime(2027, 7, 2, 9, 0, tzinfo=TOKYO), tick=False):
        with pytest.raises(InvalidTransitionError) as refused:
            _signed_on_31_march(org, lapsed, "R8-委託-2", 100_000)
    assert str(refused.value) == (
        "年度末処理後の契約登録は再開の受付期限（2027年7月1日）までです。"
        "登録するには承認者が債務負担行為を改めて「再開」してください。"
    )


@pytest.mark.django_db
def test_only_closed_commitments_can_be_reopened(org):
    with time_machine.travel(IN_YEAR, tick=False):
        live = make_commitment(org, matter="期限内の委託", limit_yen=1_000_000, **R8)
        with pytest.raises(InvalidTransitionError, match="「承認済」の債務負担行為は再開できません"):
            closing.commitment_reopen(actor=org.approver, commitment=live, reason="不要な再開")
        active = make_commitment(org, matter="契約済の委託", limit_yen=1_000_000, **R8)
        make_contract(
            org, active, "R8-済-1", 600_000, signed_on=date(2026, 11, 1), start_on=date(2026, 11, 1),
            end_on=date(2027, 3, 31),
        )  # fmt: skip
    with time_machine.travel(TENTH_OF_APRIL, tick=False):  # deadline passed, but the year is not closed yet
        with pytest.raises(InvalidTransitionError, match="「承認済」の債務負担行為は再開できません"):
            closing.commitment_reopen(actor=org.approver, commitment=live, reason="不要な再開")
        with pytest.raises(InvalidTransitionError) as refused:
            closing.commitment_reopen(actor=org.approver, commitment=active, reason="不要な再開")
        assert str(refused.value) == "この債務負担行為の年度はまだ年度末処理をしていないため、再開は不要です。"
    assert not CommitmentReopening.objects.exists()


def _logged_in(client, user):
    with time_machine.travel(FIRST_OF_JUNE, tick=False):
        client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_admin_reopen_action_asks_the_reason_and_is_for_approvers(org, lapsed, client):
    data = {"action": "reopen_selected", "_selected_action": [lapsed.pk]}
    officer = _logged_in(client, org.officer2)
    with time_machine.travel(FIRST_OF_JUNE, tick=False):
        officer.post("/admin/commitments/commitment/", {**data, "confirm": "1", "reason": "契約書の回付遅延"})
    assert not CommitmentReopening.objects.exists()
    approver = _logged_in(client, org.approver)
    with time_machine.travel(FIRST_OF_JUNE, tick=False):
        asked = approver.post("/admin/commitments/commitment/", data)
        assert asked.status_code == 200 and "再開の理由" in asked.content.decode()
        done = approver.post(
            "/admin/commitments/commitment/", {**data, "confirm": "1", "reason": "契約書の回付遅延"}, follow=True
        )
    assert done.status_code == 200 and "1 件を再開しました。" in done.content.decode()
    assert CommitmentReopening.objects.get().reason == "契約書の回付遅延"


def _late_contract_post(commitment: Commitment) -> dict[str, str]:
    return {
        "commitment": str(commitment.pk), "contract_no": "R8-委託-1", "counterparty": "株式会社テスト",
        "signed_on": "2027-03-31", "start_on": "2027-04-01", "end_on": "2028-03-31", "amount_yen": "7,000,000",
        "payment_terms": "quarterly", "note": "", "expected_version": "", "installments-TOTAL_FORMS": "0",
        "installments-INITIAL_FORMS": "0", "payments-TOTAL_FORMS": "0", "payments-INITIAL_FORMS": "0",
    }  # fmt: skip


@pytest.mark.django_db
def test_an_officer_enters_the_late_contract_in_the_admin_until_31_may(org, lapsed, client):
    with time_machine.travel(TENTH_OF_APRIL, tick=False):
        client.force_login(org.officer2)
        page = client.get(f"/admin/commitments/commitment/{lapsed.pk}/change/")
        assert f'href="/admin/commitments/contract/add/?commitment={lapsed.pk}"' in page.content.decode()
        form = client.get(f"/admin/commitments/contract/add/?commitment={lapsed.pk}")
        assert f'<option value="{lapsed.pk}" selected>窓口業務委託</option>' in form.content.decode()
        done = client.post("/admin/commitments/contract/add/", _late_contract_post(lapsed))
    assert done.status_code == 302
    assert Commitment.objects.get(pk=lapsed.pk).status == Status.ACTIVE
    assert CommitmentEvent.objects.filter(commitment=lapsed, action="late_contract", actor=org.officer2).exists()
    # After 31 May the form says why, naming the date.
    with time_machine.travel(FIRST_OF_JUNE, tick=False):
        client.force_login(org.officer2)
        again = _late_contract_post(lapsed) | {"contract_no": "R8-委託-2", "amount_yen": "400,000"}
        refused = client.post("/admin/commitments/contract/add/", again)
    assert refused.status_code == 200
    assert "出納整理期間の末日（2027年5月31日）まで" in refused.content.decode()
    assert Contract.objects.filter(commitment=lapsed).count() == 1
