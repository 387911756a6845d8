"""Fiscal frames in the admin: an officer enters one (in 千円) and imports a file, another person approves; the
statistics mapping is the organization's own; nothing of another organization is offered."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commitments.models import FiscalFrame, FrameStatus, KindClassification
from commitments.services import frames
from commitments.services.errors import ConcurrentUpdateError, InvalidTransitionError
from tests.support.factories import make_org


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_officer_enters_and_submits_the_approver_approves(client, org):
    client.force_login(org.officer2)
    added = client.post(
        "/admin/commitments/fiscalframe/add/",
        {
            "organization": str(org.organization.pk),
            "fiscal_year": "令和9年度",
            "segment": "",
            "expenditure_amount": "１，０００，０００",
            "general_revenue_amount": "400,000",
            "amount_unit": "千円",
            "note": "中期財政計画（令和8年2月）",
        },
    )
    assert added.status_code == 302, _text(added)
    frame = FiscalFrame.objects.get()
    assert (frame.fiscal_year, frame.segment, frame.expenditure_yen, frame.general_revenue_yen, frame.status) == (
        2027,
        None,
        1_000_000_000,
        400_000_000,
        FrameStatus.DRAFT,
    )
    changelist = "/admin/commitments/fiscalframe/"
    client.post(changelist, {"action": "submit_selected", "_selected_action": [frame.pk]})
    client.post(changelist, {"action": "approve_selected", "_selected_action": [frame.pk]})  # refused: own
    frame.refresh_from_db()
    assert frame.status == FrameStatus.SUBMITTED
    client.force_login(org.approver)
    page = client.post(changelist, {"action": "approve_selected", "_selected_action": [frame.pk]}, follow=True)
    assert "1 件を承認しました" in _text(page)
    frame.refresh_from_db()
    assert (frame.status, frame.approved_by) == (FrameStatus.APPROVED, org.approver)
    assert "令和9年度" in _text(client.get(changelist)) and "1,000,000" in _text(client.get(changelist))


def test_upload_lists_row_errors_and_enters_nothing_then_a_good_file(client, org):
    client.force_login(org.officer2)
    url = "/admin/commitments/fiscalframe/upload/"
    bad = "年度,事業区分,歳出総額,一般財源\n令和9年度,下水道事業,100,\n令和9年度,,,\n".encode()
    page = client.post(
        url,
        {"organization": str(org.organization.pk), "unit": "千円", "file": SimpleUploadedFile("f.csv", bad)},
    )
    text = _text(page)
    assert "事業区分「下水道事業」はこの団体にありません。" in text
    assert "歳出総額か一般財源の少なくとも一方を入力してください。" in text
    assert not FiscalFrame.objects.exists()
    good = "年度,事業区分,歳出総額,一般財源\n令和9年度,一般会計,100,\n令和9年度,水道事業,50,\n".encode()
    page = client.post(
        url,
        {"organization": str(org.organization.pk), "unit": "百万円", "file": SimpleUploadedFile("f.csv", good)},
        follow=True,
    )
    assert "財政見通し 2 件を取り込み、承認待ちにしました。" in _text(page)
    assert sorted(FiscalFrame.objects.values_list("expenditure_yen", "status")) == [
        (50_000_000, FrameStatus.SUBMITTED),
        (100_000_000, FrameStatus.SUBMITTED),
    ]
    client.force_login(org.auditor)  # readers do not import
    assert client.get(url).status_code in (302, 403)


def test_kind_mapping_is_edited_per_organization_and_scoped(client, org):
    other = make_org("別の市", prefix="x-")
    client.force_login(org.officer2)
    form = client.get("/admin/commitments/kindclassification/add/")
    assert "別の市" not in form.content.decode()
    added = client.post(
        "/admin/commitments/kindclassification/add/",
        {"organization": str(org.organization.pk), "kind": "lease", "statistics_class": "other"},
    )
    assert added.status_code == 302
    refused = client.post(
        "/admin/commitments/kindclassification/add/",
        {"organization": str(other.organization.pk), "kind": "lease", "statistics_class": "other"},
    )
    assert refused.status_code == 200  # another organization is not a valid choice
    assert list(KindClassification.objects.values_list("organization__name", "kind", "statistics_class")) == [
        ("テスト市", "lease", "other")
    ]
    client.force_login(org.auditor)
    page = client.get("/exposure/burden/statistics/")
    assert "賃借・リース" in _text(page) and "団体の設定" in _text(page)


def test_reject_withdraw_edit_and_delete_go_through_the_one_workflow(client, org):
    """Rejection asks its reason first; only the submitter withdraws; a stale edit and a once-submitted draft's
    deletion are refused; a draft never submitted is deleted from its page."""
    changelist = "/admin/commitments/fiscalframe/"
    frame = frames.frame_create(actor=org.officer2, organization=org.organization, fiscal_year=2027, expenditure_yen=9)
    frames.frame_submit(actor=org.officer2, frame=frame)
    client.force_login(org.approver)
    asked = client.post(changelist, {"action": "reject_selected", "_selected_action": [frame.pk]})
    assert asked.status_code == 200 and "財政見通しの差戻し" in _text(asked)
    assert FiscalFrame.objects.get(pk=frame.pk).status == FrameStatus.SUBMITTED
    page = client.post(
        changelist,
        {"action": "reject_selected", "_selected_action": [frame.pk], "confirm": "1", "reason": "出典を記入"},
        follow=True,
    )
    assert "1 件を差戻ししました" in _text(page)
    frame.refresh_from_db()
    assert (frame.status, frame.rejection_reason, frame.version) == (FrameStatus.DRAFT, "出典を記入", 3)

    client.force_login(org.officer2)
    client.post(changelist, {"action": "submit_selected", "_selected_action": [frame.pk]})
    frame.refresh_from_db()
    assert (frame.status, frame.rejection_reason) == (FrameStatus.SUBMITTED, "")
    client.force_login(org.officer)  # may submit, but did not submit this one
    page = client.post(changelist, {"action": "withdraw_selected", "_selected_action": [frame.pk]}, follow=True)
    assert "取り下げできるのは提出者だけです。" in _text(page)
    client.force_login(org.officer2)
    page = client.post(changelist, {"action": "withdraw_selected", "_selected_action": [frame.pk]}, follow=True)
    assert "1 件を取り下げしました" in _text(page)
    frame.refresh_from_db()
    assert (frame.status, frame.version) == (FrameStatus.DRAFT, 5)

    with pytest.raises(ConcurrentUpdateError):
        frames.frame_update_draft(actor=org.officer2, frame=frame, expected_version=4, expenditure_yen=10)
    edited = frames.frame_update_draft(actor=org.officer2, frame=frame, expected_version=5, expenditure_yen=10)
    assert (edited.expenditure_yen, edited.version) == (10, 6)
    with pytest.raises(InvalidTransitionError, match="提出されたことのない起案中の財政見通しだけを削除できます。"):
        frames.frame_delete_draft(actor=org.officer2, frame=frame)

    fresh = frames.frame_create(actor=org.officer2, organization=org.organization, fiscal_year=2028, expenditure_yen=5)
    gone = client.post(f"{changelist}{fresh.pk}/delete/", {"post": "yes"})
    assert gone.status_code == 302
    assert list(FiscalFrame.objects.values_list("fiscal_year", flat=True)) == [2027]
