"""Amendments (補正): who may do what, and what an approved amendment changes on the commitment."""

from __future__ import annotations

from datetime import date

import pytest

from commitments.models import Amendment, AmendmentStatus, Commitment, CommitmentEvent, PlannedAmount, Status
from commitments.services import amendments, approval, contracts, payments
from commitments.services.errors import (
    ConcurrentUpdateError,
    InvalidTransitionError,
    LimitExceededError,
    PermissionDeniedError,
    SegregationOfDutiesError,
    ServiceError,
)
from tests.support.factories import make_amendment, make_commitment, make_contract


def _planned(commitment):
    return dict(
        PlannedAmount.objects.filter(commitment=commitment)
        .order_by("fiscal_year")
        .values_list("fiscal_year", "amount_yen")
    )


def _create(o, commitment, actor=None, **proposal):
    proposal.setdefault("reason", "契約期間の見直し")
    return amendments.amendment_create(actor=actor or o.officer2, commitment=commitment, **proposal)


@pytest.mark.django_db
def test_only_approved_or_active_commitments_can_be_amended(org):
    draft = make_commitment(org, approve=False)
    with pytest.raises(InvalidTransitionError) as refused:
        _create(org, draft, new_limit_yen=12_000_000)
    assert str(refused.value) == "補正できるのは承認済・契約済の債務負担行為だけです（現在：起案中）。"
    approval.commitment_submit(actor=org.officer2, commitment=draft)
    with pytest.raises(InvalidTransitionError, match="（現在：承認待ち）"):
        _create(org, draft, new_limit_yen=12_000_000)

    approved = make_commitment(org, matter="承認済の事項")
    assert _create(org, approved, new_limit_yen=12_000_000).number == 1

    active = make_commitment(org, matter="契約済の事項")
    make_contract(org, active, "K-1", 1_000_000)
    assert Commitment.objects.get(pk=active.pk).status == Status.ACTIVE
    assert _create(org, active, new_limit_yen=12_000_000).number == 1

    abolished = make_commitment(org, matter="廃止する事項")
    make_amendment(org, abolished, abolish=True)
    with pytest.raises(InvalidTransitionError, match="（現在：廃止）"):
        _create(org, abolished, new_limit_yen=12_000_000)
    assert Amendment.objects.filter(commitment__in=[draft, abolished], status=AmendmentStatus.DRAFT).count() == 0


@pytest.mark.django_db
def test_proposal_needs_a_reason_and_a_change(org):
    commitment = make_commitment(org)
    with pytest.raises(ServiceError, match="補正の理由を入力してください"):
        _create(org, commitment, reason="  ", new_limit_yen=12_000_000)
    with pytest.raises(ServiceError, match="変更内容がありません"):
        _create(org, commitment, new_limit_yen=10_000_000, new_last_burden_fy=2020)
    with pytest.raises(ServiceError, match="変更後の限度額は金額か文言のどちらかにしてください"):
        _create(org, commitment, new_limit_yen=12_000_000, new_limit_text="寄附金額に応じた額")
    with pytest.raises(ServiceError, match="負担年度（初年度）は行為年度（平成29年度）以後"):
        _create(org, commitment, new_first_burden_fy=2016)
    with pytest.raises(ServiceError, match="負担年度の期間は50年以内"):
        _create(org, commitment, new_last_burden_fy=2067)  # FY2017–FY2067 = 51 years
    assert not Amendment.objects.exists()
    assert _create(org, commitment, new_last_burden_fy=2066).number == 1  # 50 years is the most


@pytest.mark.django_db
def test_one_open_amendment_at_a_time(org):
    commitment = make_commitment(org)
    first = _create(org, commitment, new_limit_yen=11_000_000)
    with pytest.raises(ServiceError) as busy:
        _create(org, commitment, new_limit_yen=12_000_000)
    assert str(busy.value) == "この債務負担行為には手続中の補正があります。先にそれを承認または削除してください。"
    amendments.amendment_submit(actor=org.officer2, amendment=first)
    with pytest.raises(ServiceError, match="手続中の補正があります"):
        _create(org, commitment, new_limit_yen=12_000_000)
    amendments.amendment_approve(actor=org.approver, amendment=first)

    second = _create(org, commitment, new_limit_yen=12_000_000)
    assert second.number == 2
    assert list(Amendment.objects.filter(commitment=commitment).values_list("number", "status")) == [
        (1, "approved"),
        (2, "draft"),
    ]


@pytest.mark.django_db
def test_submitter_cannot_approve(org):
    commitment = make_commitment(org)
    # `officer` holds both the finance-officer and the approver role: only segregation of duties stops them.
    amendment = _create(org, commitment, actor=org.officer, new_limit_yen=12_000_000)
    amendments.amendment_submit(actor=org.officer, amendment=amendment)
    with pytest.raises(SegregationOfDutiesError) as own:
        amendments.amendment_approve(actor=org.officer, amendment=amendment)
    assert str(own.value) == "自分が提出した補正は承認できません（職務分掌）。"
    with pytest.raises(PermissionDeniedError):
        amendments.amendment_approve(actor=org.officer2, amendment=amendment)  # no approver role
    with pytest.raises(PermissionDeniedError):
        amendments.amendment_approve(actor=org.auditor, amendment=amendment)
    assert Amendment.objects.get(pk=amendment.pk).status == AmendmentStatus.SUBMITTED
    assert Commitment.objects.get(pk=commitment.pk).limit_yen == 10_000_000

    amendments.amendment_approve(actor=org.approver, amendment=amendment)
    assert Commitment.objects.get(pk=commitment.pk).limit_yen == 12_000_000
    with pytest.raises(InvalidTransitionError, match="「承認済」の補正には実行できません"):
        amendments.amendment_approve(actor=org.approver, amendment=amendment)


@pytest.mark.django_db
def test_reject_needs_a_reason_and_returns_to_draft(org):
    commitment = make_commitment(org)
    amendment = _create(org, commitment, new_limit_yen=12_000_000)
    with pytest.raises(InvalidTransitionError, match="「起案中」の補正には実行できません"):
        amendments.amendment_reject(actor=org.approver, amendment=amendment, reason="根拠資料がありません")
    amendments.amendment_submit(actor=org.officer2, amendment=amendment)
    with pytest.raises(ServiceError, match="差戻し理由を入力してください"):
        amendments.amendment_reject(actor=org.approver, amendment=amendment, reason=" \n")
    assert Amendment.objects.get(pk=amendment.pk).status == AmendmentStatus.SUBMITTED

    amendments.amendment_reject(actor=org.approver, amendment=amendment, reason="根拠資料がありません")
    rejected = Amendment.objects.get(pk=amendment.pk)
    assert (rejected.status, rejected.rejection_reason, rejected.approved_by) == (
        AmendmentStatus.DRAFT,
        "根拠資料がありません",
        None,
    )
    assert Commitment.objects.get(pk=commitment.pk).limit_yen == 10_000_000
    event = CommitmentEvent.objects.filter(commitment=commitment).order_by("id").last()
    assert (event.action, event.actor, event.note) == (
        "amendment_reject",
        org.approver,
        "補正第1号 根拠資料がありません",
    )

    # The officer corrects the draft and submits it again; the reason is cleared.
    amendments.amendment_update_draft(
        actor=org.officer2, amendment=amendment, expected_version=rejected.version, new_limit_yen=11_000_000
    )
    resubmitted = amendments.amendment_submit(actor=org.officer2, amendment=amendment)
    assert (resubmitted.status, resubmitted.rejection_reason) == (AmendmentStatus.SUBMITTED, "")


@pytest.mark.django_db
def test_only_the_submitter_withdraws(org):
    commitment = make_commitment(org)
    amendment = _create(org, commitment, new_limit_yen=12_000_000)
    amendment = amendments.amendment_submit(actor=org.officer2, amendment=amendment)
    with pytest.raises(PermissionDeniedError) as other:
        amendments.amendment_withdraw(actor=org.officer, amendment=amendment)
    assert str(other.value) == "取り下げできるのは提出者だけです。"
    assert Amendment.objects.get(pk=amendment.pk).status == AmendmentStatus.SUBMITTED

    withdrawn = amendments.amendment_withdraw(actor=org.officer2, amendment=amendment)
    assert withdrawn.status == AmendmentStatus.DRAFT
    assert withdrawn.version == 3  # created 1, submitted 2, withdrawn 3

    amendments.amendment_update_draft(actor=org.officer2, amendment=amendment, expected_version=3, reason="再検討")
    with pytest.raises(ConcurrentUpdateError):
        amendments.amendment_update_draft(actor=org.officer, amendment=amendment, expected_version=3, reason="上書き")
    assert Amendment.objects.get(pk=amendment.pk).reason == "再検討"


@pytest.mark.django_db
def test_approval_changes_limit_span_matter_and_respreads_planned(org):
    commitment = make_commitment(org, matter="庁舎清掃業務委託")  # 10,000,000 over FY2017–FY2020
    assert _planned(commitment) == {2017: 2_500_000, 2018: 2_500_000, 2019: 2_500_000, 2020: 2_500_000}
    version = commitment.version
    amendment = make_amendment(
        org,
        commitment,
        reason="業務範囲の拡大",
        new_matter="庁舎清掃・警備業務委託",
        new_limit_yen=12_345_678,
        new_last_burden_fy=2022,
    )

    changed = Commitment.objects.get(pk=commitment.pk)
    assert (changed.matter, changed.limit_yen, changed.first_burden_fy, changed.last_burden_fy, changed.status) == (
        "庁舎清掃・警備業務委託",
        12_345_678,
        2017,
        2022,
        Status.APPROVED,
    )
    assert changed.version == version + 1
    # 12,345,678 / 6 = 2,057,613 -> 2,057,000 a year; FY2017 takes 12,345,678 - 5 x 2,057,000 = 2,060,678.
    assert _planned(commitment) == {
        2017: 2_060_678,
        2018: 2_057_000,
        2019: 2_057_000,
        2020: 2_057_000,
        2021: 2_057_000,
        2022: 2_057_000,
    }

    assert (amendment.status, amendment.approved_by, amendment.resolution) == (
        AmendmentStatus.APPROVED,
        org.approver,
        "理事長決裁",
    )
    assert amendment.before == {
        "matter": "庁舎清掃業務委託",
        "limit_yen": 10_000_000,
        "limit_text": "",
        "estimated_limit_yen": None,
        "first_burden_fy": 2017,
        "last_burden_fy": 2020,
        "contract_until_fy": None,
        "status": "approved",
    }
    assert amendment.after == {
        "matter": "庁舎清掃・警備業務委託",
        "limit_yen": 12_345_678,
        "limit_text": "",
        "estimated_limit_yen": None,
        "first_burden_fy": 2017,
        "last_burden_fy": 2022,
        "contract_until_fy": None,
        "status": "approved",
    }

    latest, previous = list(commitment.history.all()[:2])
    assert (latest.limit_yen, latest.last_burden_fy, latest.matter) == (12_345_678, 2022, "庁舎清掃・警備業務委託")
    assert latest.history_user == org.approver
    assert latest.history_change_reason == "補正第1号"
    assert (previous.limit_yen, previous.last_burden_fy) == (10_000_000, 2020)
    assert PlannedAmount.history.filter(commitment_id=commitment.pk, history_user=org.approver).count() == 6

    trail = list(
        CommitmentEvent.objects.filter(commitment=commitment)
        .order_by("id")
        .values_list("action", "actor__username", "from_status", "to_status")
    )
    assert trail[-4:] == [
        ("amendment_create", "officer2", "approved", "approved"),
        ("amendment_submit", "officer2", "approved", "approved"),
        ("amendment_approve", "approver", "approved", "approved"),
        ("amend", "approver", "approved", "approved"),
    ]
    assert CommitmentEvent.objects.filter(commitment=commitment).order_by("id").last().note == "補正第1号"


@pytest.mark.django_db
def test_raised_limit_makes_room_for_more_contracts(org):
    commitment = make_commitment(org, limit_yen=10_000_000)
    make_contract(org, commitment, "K-1", 9_500_000)
    with pytest.raises(LimitExceededError, match="超過額 2,000,000円"):
        make_contract(org, commitment, "K-2", 2_500_000)
    make_amendment(org, commitment, new_limit_yen=12_000_000)
    commitment.refresh_from_db()
    assert commitment.status == Status.ACTIVE
    make_contract(org, commitment, "K-2", 2_500_000)


@pytest.mark.django_db
def test_abolish_ends_the_commitment_and_keeps_its_contracts(org):
    commitment = make_commitment(org)
    make_contract(org, commitment, "K-1", 4_000_000)
    amendment = make_amendment(org, commitment, abolish=True, reason="事業の中止")

    abolished = Commitment.objects.get(pk=commitment.pk)
    assert abolished.status == Status.ABOLISHED
    assert abolished.limit_yen == 10_000_000
    assert abolished.contracts.count() == 1
    assert (amendment.before["status"], amendment.after["status"]) == ("active", "abolished")
    assert _planned(commitment) == {2017: 2_500_000, 2018: 2_500_000, 2019: 2_500_000, 2020: 2_500_000}
    event = CommitmentEvent.objects.filter(commitment=commitment).order_by("id").last()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "amend",
        "active",
        "abolished",
        org.approver,
    )
    assert commitment.history.first().status == Status.ABOLISHED


@pytest.mark.django_db
def test_new_limit_below_contracted_is_refused_at_entry_and_at_approval(org):
    commitment = make_commitment(org)
    make_contract(org, commitment, "K-1", 4_000_000)
    with pytest.raises(ServiceError) as below:
        _create(org, commitment, new_limit_yen=3_999_999)
    assert str(below.value) == "変更後の限度額 3,999,999円 が契約済額 4,000,000円 を下回ります。"
    _create(org, commitment, new_limit_yen=4_000_000)  # equal to the contracts is fine
    Amendment.objects.all().delete()

    # Accepted when entered, but a contract registered meanwhile makes it impossible at approval.
    pending = make_amendment(org, commitment, approve=False, new_limit_yen=5_000_000)
    make_contract(org, commitment, "K-2", 2_000_000)
    with pytest.raises(ServiceError, match="変更後の限度額 5,000,000円 が契約済額 6,000,000円 を下回ります"):
        amendments.amendment_approve(actor=org.approver, amendment=pending)
    assert Amendment.objects.get(pk=pending.pk).status == AmendmentStatus.SUBMITTED
    assert Commitment.objects.get(pk=commitment.pk).limit_yen == 10_000_000


@pytest.mark.django_db
def test_new_span_must_keep_every_installment_and_payment(org):
    commitment = make_commitment(org)  # FY2017–FY2020
    make_contract(org, commitment, "K-1", 1_000_000)  # due 2018-03-31: FY2017
    make_contract(org, commitment, "K-2", 2_000_000, end_on=date(2019, 6, 30))  # due 2019-06-30: FY2019

    with pytest.raises(ServiceError) as short:
        _create(org, commitment, new_last_burden_fy=2018)
    assert str(short.value) == (
        "変更後の負担年度（平成29年度から平成30年度まで）の外に契約の支払予定・支出があります"
        "（平成29年度から令和元年度まで）。"
    )
    with pytest.raises(ServiceError, match="変更後の負担年度（平成30年度から令和2年度まで）の外に"):
        _create(org, commitment, new_first_burden_fy=2018)

    make_amendment(org, commitment, new_last_burden_fy=2019)
    # 10,000,000 / 3 = 3,333,333 -> 3,333,000; FY2017 takes 10,000,000 - 2 x 3,333,000 = 3,334,000.
    assert _planned(commitment) == {2017: 3_334_000, 2018: 3_333_000, 2019: 3_333_000}


@pytest.mark.django_db
def test_a_payment_outside_the_new_span_also_blocks_it(org):
    commitment = make_commitment(org, first_burden_fy=2017, last_burden_fy=2020)
    contract = make_contract(org, commitment, "K-1", 1_000_000, end_on=date(2019, 3, 31))  # due FY2018
    payments.payment_record(
        actor=org.officer2, contract=contract, paid_on=date(2017, 9, 29), amount_yen=100_000
    )  # charged FY2017
    with pytest.raises(ServiceError, match=r"外に契約の支払予定・支出があります（平成29年度から平成30年度まで）"):
        _create(org, commitment, new_first_burden_fy=2018)


@pytest.mark.django_db
def test_explicit_planned_commitment_needs_new_planned_amounts(org):
    commitment = make_commitment(
        org,
        limit_yen=6_000_000,
        last_burden_fy=2019,
        spread_rule="explicit",
        planned={2017: 1_000_000, 2018: 2_000_000, 2019: 3_000_000},
    )
    with pytest.raises(ServiceError, match="合計が限度額と一致するように"):
        _create(org, commitment, new_limit_yen=7_000_000, new_planned={2017: 1_000_000, 2018: 2_000_000})

    # Refused when entered, not only at approval: the officer learns it before anyone reviews it.
    with pytest.raises(ServiceError, match="年割額が個別入力の債務負担行為で限度額・期間を変える場合は"):
        _create(org, commitment, new_limit_yen=7_000_000)
    assert Commitment.objects.get(pk=commitment.pk).limit_yen == 6_000_000
    bare = make_amendment(
        org,
        commitment,
        approve=False,
        new_limit_yen=7_000_000,
        new_planned={2017: 1_000_000, 2018: 2_000_000, 2019: 4_000_000},
    )
    amendments.amendment_approve(actor=org.approver, amendment=bare)
    assert Commitment.objects.get(pk=commitment.pk).limit_yen == 7_000_000
    assert _planned(commitment) == {2017: 1_000_000, 2018: 2_000_000, 2019: 4_000_000}


@pytest.mark.django_db
def test_text_limit_turned_into_an_amount(org):
    commitment = make_commitment(
        org, limit_yen=None, limit_text="寄附金額に応じた諸経費にかかる金額", estimated_limit_yen=2_000_000
    )
    assert _planned(commitment) == {2017: 500_000, 2018: 500_000, 2019: 500_000, 2020: 500_000}
    make_amendment(org, commitment, new_limit_yen=3_000_000)
    changed = Commitment.objects.get(pk=commitment.pk)
    assert (changed.limit_yen, changed.limit_text, changed.estimated_limit_yen) == (3_000_000, "", None)
    assert _planned(commitment) == {2017: 750_000, 2018: 750_000, 2019: 750_000, 2020: 750_000}


@pytest.mark.django_db
def test_extended_deadline_lets_contracts_be_signed_later(org):
    commitment = make_commitment(org)
    make_amendment(org, commitment, new_contract_until_fy=2018)
    commitment.refresh_from_db()
    assert commitment.contract_deadline_fy == 2018
    assert _planned(commitment) == {2017: 2_500_000, 2018: 2_500_000, 2019: 2_500_000, 2020: 2_500_000}
    contracts.contract_register(
        actor=org.officer2,
        commitment=commitment,
        contract_no="K-1",
        counterparty="株式会社テスト",
        signed_on=date(2019, 3, 29),
        start_on=date(2019, 4, 1),
        end_on=date(2020, 3, 31),
        amount_yen=1_200_000,
        payment_terms="annual",
    )
    assert Commitment.objects.get(pk=commitment.pk).status == Status.ACTIVE
