"""Officers enter commitments in the admin (千円, 和暦); approvers approve with an action."""

from __future__ import annotations

import pytest

from commitments.models import Commitment, Status


@pytest.fixture
def posted(client, org):
    client.force_login(org.officer2)
    response = client.post(
        "/admin/commitments/commitment/add/",
        {
            "organization": org.organization.pk,
            "segment": org.segment.pk,
            "seq": "7",
            "matter": "庁舎清掃業務委託",
            "limit_amount": "１２，３４５",
            "limit_unit": "千円",
            "limit_text": "",
            "authorized_fy": "令和8年度",
            "first_burden_fy": "R9",
            "last_burden_fy": "平成43年度",
            "spread_rule": "equal",
            "expected_version": "",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return Commitment.objects.get(matter="庁舎清掃業務委託")


def test_officer_adds_commitment_in_thousand_yen_and_wareki(posted):
    assert posted.limit_yen == 12_345_000
    assert (posted.authorized_fy, posted.first_burden_fy, posted.last_burden_fy) == (2026, 2027, 2031)
    assert posted.status == Status.DRAFT
    assert posted.history.count() == 1


def test_negative_limit_refused_in_form(client, org):
    client.force_login(org.officer2)
    response = client.post(
        "/admin/commitments/commitment/add/",
        {
            "organization": org.organization.pk,
            "segment": org.segment.pk,
            "matter": "x",
            "limit_amount": "△100",
            "limit_unit": "千円",
            "authorized_fy": "2026",
            "first_burden_fy": "2026",
            "last_burden_fy": "2027",
            "spread_rule": "equal",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "限度額は正の金額でなければなりません" in response.content.decode()
    assert not Commitment.objects.filter(matter="x").exists()


def _approve_in_admin(client, pk, resolution=""):
    return client.post(
        "/admin/commitments/commitment/",
        {"action": "approve_selected", "_selected_action": [pk], "confirm": "1", "resolution": resolution},
        follow=True,
    )


def test_submit_and_approve_actions(client, org, posted):
    client.post("/admin/commitments/commitment/", {"action": "submit_selected", "_selected_action": [posted.pk]})
    assert Commitment.objects.get(pk=posted.pk).status == Status.SUBMITTED

    client.force_login(org.approver)
    response = _approve_in_admin(client, posted.pk, "令和8年第1回定例会 議案第10号")
    assert "1 件を承認しました" in response.content.decode()
    approved = Commitment.objects.get(pk=posted.pk)
    assert approved.status == Status.APPROVED and approved.resolution == "令和8年第1回定例会 議案第10号"


def test_submitter_with_approver_role_is_refused_per_item(client, org):
    from commitments.services import approval

    commitment = approval.commitment_create(
        actor=org.officer,
        organization=org.organization,
        segment=org.segment,
        matter="自己承認の試み",
        limit_yen=1_000_000,
        limit_text="",
        authorized_fy=2026,
        first_burden_fy=2026,
        last_burden_fy=2027,
    )
    approval.commitment_submit(actor=org.officer, commitment=commitment)
    client.force_login(org.officer)  # holds the approver role too, but submitted this one
    response = _approve_in_admin(client, commitment.pk)
    assert "自分が提出した債務負担行為は承認できません" in response.content.decode()
    assert Commitment.objects.get(pk=commitment.pk).status == Status.SUBMITTED


def test_approved_commitment_is_read_only(client, org, posted):
    client.force_login(org.approver)
    response = client.get(f"/admin/commitments/commitment/{posted.pk}/change/")
    assert response.status_code == 200


def test_draft_can_be_deleted_but_not_once_submitted(client, org, posted):
    client.force_login(org.officer2)
    response = client.post(f"/admin/commitments/commitment/{posted.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Commitment.objects.filter(pk=posted.pk).exists()
    assert posted.history.model.objects.filter(id=posted.pk, history_type="-").exists()


def test_submitted_commitment_cannot_be_deleted(client, org, posted):
    client.force_login(org.officer2)
    client.post("/admin/commitments/commitment/", {"action": "submit_selected", "_selected_action": [posted.pk]})
    response = client.post(f"/admin/commitments/commitment/{posted.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Commitment.objects.filter(pk=posted.pk).exists()


def test_approved_commitment_is_view_only_for_officer(client, org, posted):
    from commitments.services import approval

    approval.commitment_submit(actor=org.officer2, commitment=posted)
    approval.commitment_approve(actor=org.approver, commitment=posted)
    client.force_login(org.officer2)
    page = client.get(f"/admin/commitments/commitment/{posted.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "12,345" in html and "令和8年度" in html and "令和9年度から令和13年度まで" in html
    assert 'name="matter"' not in html  # no editable inputs
    response = client.post(f"/admin/commitments/commitment/{posted.pk}/change/", {"matter": "書き換え"})
    assert response.status_code == 403
    assert Commitment.objects.get(pk=posted.pk).matter == "庁舎清掃業務委託"
