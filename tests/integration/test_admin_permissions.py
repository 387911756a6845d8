"""Who may do what in the admin: the permission matrix as data, one test per cell.

The policy follows commitments/roles.py:
  - finance_officer enters and submits commitments, 年割額, contracts, schedules, payments and amendments,
    but never approves;
  - approver reads everything and approves / rejects submissions, but adds and changes nothing;
  - auditor and management are not staff: the admin sends them to its login page (they read the separate site);
  - superuser may do everything the workflow allows, except break segregation of duties.
Some refusals hold for every role, superuser included, because of the record's state, not the role: submitted and
approved commitments and amendments are changed only through the workflow, contracts and payments are never
deleted, payments are never edited, projection rows are derived, and history cannot be reverted
(SIMPLE_HISTORY_REVERT_DISABLED).

Outcomes:
  LOGIN    302 to the admin login page (anonymous, and users who are not staff)
  OK       200: the page is shown (for a change page without change permission: read-only)
  DENY     403
  ABSENT   the action is not offered in the changelist's select, and a POST of it changes nothing
  REFUSED  the action is offered, but the service refuses this item (message shown), nothing changes
  DONE     the POST succeeded (302) and the change is in the database
Every cell also compares a fingerprint of the database before and after: anything but DONE must change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from commitments.models import (
    Amendment,
    AmendmentStatus,
    Commitment,
    Contract,
    Payment,
    PlannedAmount,
    ProjectionYear,
    Segment,
    SpreadRule,
    Status,
    User,
)
from commitments.roles import roles_ensure
from commitments.services import amendments, approval, contracts, payments, planning
from tests.support.admin_pages import commitment_form, contract_form, fingerprint, fingerprint_diff, role_user
from tests.support.factories import make_org

LOGIN, OK, DENY, ABSENT, REFUSED, DONE = "302-login", 200, 403, "absent", "refused", "done"

ROLES = ("anonymous", "finance_officer", "approver", "auditor", "management", "superuser")

# fmt: off
MATRIX: dict[str, tuple[Any, ...]] = {
    # operation                                     anonymous officer  approver auditor management superuser
    # -- Commitment (債務負担行為) --------------------------------------------------------------------------
    "commitment-changelist-GET":                    (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "commitment-add-GET":                           (LOGIN,  OK,      DENY,    LOGIN,  LOGIN,  OK),
    "commitment-add-POST":                          (LOGIN,  DONE,    DENY,    LOGIN,  LOGIN,  DONE),
    "commitment-change-draft-GET":                  (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "commitment-change-draft-POST":                 (LOGIN,  DONE,    DENY,    LOGIN,  LOGIN,  DONE),
    "commitment-change-submitted-GET":              (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "commitment-change-submitted-POST":             (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "commitment-change-approved-GET":               (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "commitment-change-approved-POST":              (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "commitment-delete-draft-GET":                  (LOGIN,  OK,      DENY,    LOGIN,  LOGIN,  OK),
    "commitment-delete-draft-POST":                 (LOGIN,  DONE,    DENY,    LOGIN,  LOGIN,  DONE),
    "commitment-delete-approved-GET":               (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "commitment-delete-approved-POST":              (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "commitment-history-GET":                       (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "commitment-history-version-GET":               (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "commitment-history-revert-POST":               (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "commitment-history-revert-approved-POST":      (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "commitment-submit_selected-POST":              (LOGIN,  DONE,    ABSENT,  LOGIN,  LOGIN,  DONE),
    "commitment-approve_selected-POST":             (LOGIN,  ABSENT,  DONE,    LOGIN,  LOGIN,  DONE),
    "commitment-reject_selected-POST":              (LOGIN,  ABSENT,  DONE,    LOGIN,  LOGIN,  DONE),
    # only the submitter may withdraw (services.approval.commitment_withdraw), superuser included
    "commitment-withdraw_selected-POST":            (LOGIN,  DONE,    ABSENT,  LOGIN,  LOGIN,  REFUSED),
    "commitment-fill_planned_selected-POST":        (LOGIN,  DONE,    ABSENT,  LOGIN,  LOGIN,  DONE),
    # -- PlannedAmount (年割額), edited only through the commitment's change page -------------------------------
    "plannedamount-inline-POST":                    (LOGIN,  DONE,    DENY,    LOGIN,  LOGIN,  DONE),
    "plannedamount-fill_button-POST":               (LOGIN,  DONE,    DENY,    LOGIN,  LOGIN,  DONE),
    "plannedamount-inline-approved-POST":           (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    # -- Contract (契約): changed by 変更契約, never deleted -----------------------------------------------------
    "contract-changelist-GET":                      (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "contract-add-GET":                             (LOGIN,  OK,      DENY,    LOGIN,  LOGIN,  OK),
    "contract-add-POST":                            (LOGIN,  DONE,    DENY,    LOGIN,  LOGIN,  DONE),
    "contract-change-GET":                          (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "contract-change-POST":                         (LOGIN,  DONE,    DENY,    LOGIN,  LOGIN,  DONE),
    "contract-delete-GET":                          (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "contract-delete-POST":                         (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "contract-history-GET":                         (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "contract-history-revert-POST":                 (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    # -- Payment (支出実績): a recorded fact, never changed or deleted -------------------------------------------
    "payment-changelist-GET":                       (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "payment-add-GET":                              (LOGIN,  OK,      DENY,    LOGIN,  LOGIN,  OK),
    "payment-add-POST":                             (LOGIN,  DONE,    DENY,    LOGIN,  LOGIN,  DONE),
    "payment-change-GET":                           (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "payment-change-POST":                          (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "payment-delete-GET":                           (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "payment-delete-POST":                          (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "payment-history-GET":                          (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "payment-history-revert-POST":                  (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "payment-upload-GET":                           (LOGIN,  OK,      DENY,    LOGIN,  LOGIN,  OK),
    "payment-upload-POST":                          (LOGIN,  DONE,    DENY,    LOGIN,  LOGIN,  DONE),
    # -- Amendment (補正) ------------------------------------------------------------------------------------
    "amendment-changelist-GET":                     (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "amendment-add-GET":                            (LOGIN,  OK,      DENY,    LOGIN,  LOGIN,  OK),
    "amendment-add-POST":                           (LOGIN,  DONE,    DENY,    LOGIN,  LOGIN,  DONE),
    "amendment-change-draft-GET":                   (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "amendment-change-draft-POST":                  (LOGIN,  DONE,    DENY,    LOGIN,  LOGIN,  DONE),
    "amendment-change-submitted-GET":               (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "amendment-change-submitted-POST":              (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "amendment-delete-draft-GET":                   (LOGIN,  OK,      DENY,    LOGIN,  LOGIN,  OK),
    "amendment-delete-draft-POST":                  (LOGIN,  DONE,    DENY,    LOGIN,  LOGIN,  DONE),
    "amendment-history-GET":                        (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "amendment-history-revert-POST":                (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "amendment-submit_selected-POST":               (LOGIN,  DONE,    ABSENT,  LOGIN,  LOGIN,  DONE),
    "amendment-approve_selected-POST":              (LOGIN,  ABSENT,  DONE,    LOGIN,  LOGIN,  DONE),
    "amendment-reject_selected-POST":               (LOGIN,  ABSENT,  DONE,    LOGIN,  LOGIN,  DONE),
    "amendment-withdraw_selected-POST":             (LOGIN,  DONE,    ABSENT,  LOGIN,  LOGIN,  REFUSED),
    # -- Segment (事業区分): read by the roles, maintained by the superuser ---------------------------------------
    "segment-changelist-GET":                       (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "segment-add-GET":                              (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  OK),
    "segment-add-POST":                             (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DONE),
    "segment-change-GET":                           (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "segment-change-POST":                          (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DONE),
    "segment-delete-GET":                           (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  OK),
    "segment-delete-POST":                          (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DONE),
    "segment-history-GET":                          (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    # -- ProjectionYear (年度別推計): derived rows, read-only for everyone ----------------------------------------
    "projectionyear-changelist-GET":                (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "projectionyear-add-GET":                       (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "projectionyear-add-POST":                      (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "projectionyear-change-GET":                    (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
    "projectionyear-change-POST":                   (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "projectionyear-delete-GET":                    (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "projectionyear-delete-POST":                   (LOGIN,  DENY,    DENY,    LOGIN,  LOGIN,  DENY),
    "projectionyear-history-GET":                   (LOGIN,  OK,      OK,      LOGIN,  LOGIN,  OK),
}
# fmt: on

A = "/admin/commitments"


# ---------------------------------------------------------------------------------------------------------------
# Fixture data, built through the services and only as far as a cell needs it.


def _create(org: Any, matter: str, **overrides: Any) -> Commitment:
    fields: dict[str, Any] = {
        "segment": org.segment,
        "matter": matter,
        "limit_yen": 10_000_000,
        "limit_text": "",
        "authorized_fy": 2017,
        "first_burden_fy": 2017,
        "last_burden_fy": 2020,
    } | overrides
    return approval.commitment_create(actor=org.officer2, organization=org.organization, **fields)


def _approved(org: Any, matter: str) -> Commitment:
    commitment = _create(org, matter)
    approval.commitment_submit(actor=org.officer2, commitment=commitment)
    approval.commitment_approve(actor=org.approver, commitment=commitment, resolution="第1回定例会 議案第1号")
    return Commitment.objects.get(pk=commitment.pk)


UNEVEN = {2017: 4_000_000, 2018: 2_000_000, 2019: 2_000_000, 2020: 2_000_000}


class World:
    """One organization's records in every state a cell needs (each made on first use, before the request)."""

    def __init__(self, org: Any, superuser: User) -> None:
        self.org = org
        self.superuser = superuser

    @cached_property
    def draft(self) -> Commitment:
        """Never submitted, 年割 equal."""
        return _create(self.org, "起案中の清掃業務")

    @cached_property
    def explicit_draft(self) -> Commitment:
        """Never submitted, 年割額 entered year by year (UNEVEN)."""
        commitment = _create(self.org, "個別入力の保守業務", spread_rule=SpreadRule.EXPLICIT)
        planning.planned_amounts_set(actor=self.org.officer2, commitment=commitment, amounts=UNEVEN)
        return Commitment.objects.get(pk=commitment.pk)

    @cached_property
    def submitted(self) -> Commitment:
        """Submitted by officer2, waiting for approval."""
        commitment = _create(self.org, "承認待ちの警備業務")
        return approval.commitment_submit(actor=self.org.officer2, commitment=commitment)

    @cached_property
    def approved(self) -> Commitment:
        """Approved (by approver, submitted by officer2), with contract C-001: now 契約済."""
        commitment = _approved(self.org, "承認済のリース")
        contracts.contract_register(
            actor=self.org.officer2,
            commitment=commitment,
            contract_no="C-001",
            counterparty="株式会社テスト",
            signed_on=date(2017, 6, 1),
            start_on=date(2017, 7, 1),
            end_on=date(2018, 3, 31),
            amount_yen=4_000_000,
            payment_terms="lump_sum",
        )
        return Commitment.objects.get(pk=commitment.pk)

    @cached_property
    def contract(self) -> Contract:
        return Contract.objects.get(commitment=self.approved)

    @cached_property
    def payment(self) -> Payment:
        return payments.payment_record(
            actor=self.org.officer2,
            contract=self.contract,
            paid_on=date(2017, 11, 1),
            amount_yen=1_000_000,
            reference="PERM-FIX",
        )

    @cached_property
    def fresh_approved(self) -> Commitment:
        """Approved, no contract, no amendment (a target for new contracts' and amendments' add forms)."""
        return _approved(self.org, "承認済の委託（補正なし）")

    @cached_property
    def amendment_draft(self) -> Amendment:
        """Drafted by officer2 on `approved`: limit to 12,000,000."""
        return amendments.amendment_create(
            actor=self.org.officer2, commitment=self.approved, reason="単価の改定", new_limit_yen=12_000_000
        )

    @cached_property
    def amendment_submitted(self) -> Amendment:
        """Submitted by officer2 (on its own approved commitment: one open amendment per commitment)."""
        amendment = amendments.amendment_create(
            actor=self.org.officer2,
            commitment=_approved(self.org, "補正承認待ちの工事"),
            reason="工期の延長",
            new_limit_yen=12_000_000,
        )
        return amendments.amendment_submit(actor=self.org.officer2, amendment=amendment)

    @cached_property
    def segment(self) -> Segment:
        """A segment no commitment uses (deletable)."""
        return self.org.other_segment

    @cached_property
    def projection(self) -> ProjectionYear:
        return ProjectionYear.objects.create(
            commitment=self.approved,
            organization=self.org.organization,
            segment=self.org.segment,
            fiscal_year=2017,
            planned_yen=2_500_000,
            computed_at=timezone.now(),
        )

    def user(self, role: str) -> User | None:
        return role_user(self.org, role, self.superuser)


# ---------------------------------------------------------------------------------------------------------------
# Operations: how to make each request, and what "done" means in the database.


@dataclass(frozen=True)
class Op:
    method: str
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] | None = None
    done: Callable[[World], bool] | None = None
    action: str | None = None  # a changelist action: the select is checked too


def _planned_forms(c: Commitment, amounts: dict[int, int]) -> dict[str, Any]:
    rows = list(PlannedAmount.objects.filter(commitment=c).order_by("fiscal_year"))
    data: dict[str, Any] = {"planned_amounts-TOTAL_FORMS": len(rows), "planned_amounts-INITIAL_FORMS": len(rows)}
    for i, row in enumerate(rows):
        data |= {
            f"planned_amounts-{i}-id": row.pk,
            f"planned_amounts-{i}-commitment": c.pk,
            f"planned_amounts-{i}-fiscal_year": str(row.fiscal_year),
            f"planned_amounts-{i}-amount_yen": str(amounts[row.fiscal_year]),
        }
    return data


def _planned(c: Commitment) -> dict[int, int]:
    return dict(PlannedAmount.objects.filter(commitment=c).values_list("fiscal_year", "amount_yen"))


def _payment_form(w: World, **changes: Any) -> dict[str, Any]:
    return {
        "contract": w.contract.pk,
        "paid_on": "2017-12-01",
        "fiscal_year": "",
        "amount_yen": "1000000",
        "reference": "PERM-ADD",
    } | changes


def _amendment_form(a: Amendment | None, commitment: Commitment | None = None, **changes: Any) -> dict[str, Any]:
    return {
        "commitment": commitment.pk if commitment else "",
        "reason": a.reason if a else "追加の補正",
        "abolish": "",
        "new_matter": "",
        "new_limit_amount": "12000000",
        "limit_unit": "円",
        "new_limit_text": "",
        "new_estimated_limit_yen": "",
        "new_first_burden_fy": "",
        "new_last_burden_fy": "",
        "new_contract_until_fy": "",
        "planned_lines": "",
        "expected_version": a.version if a else "",
    } | changes


def _segment_form(w: World, **changes: Any) -> dict[str, Any]:
    s = w.segment
    return {"organization": s.organization_id, "code": s.code, "name": s.name, "sort_order": s.sort_order} | changes


def _action(name: str, pk: int, **extra: Any) -> dict[str, Any]:
    return {"action": name, "_selected_action": [pk], **extra}


def _latest_history(obj: Any) -> int:
    return obj.history.order_by("-history_id").values_list("history_id", flat=True)[0]


def _status(model: type, pk: int) -> str | None:
    return model.objects.filter(pk=pk).values_list("status", flat=True).first()


PAYMENT_CSV = "支出日,契約番号,支出額,支出命令番号\n2017-12-15,C-001,500000,PERM-CSV\n"


def _csv(w: World) -> dict[str, Any]:
    w.contract  # noqa: B018  (the CSV refers to C-001)
    # Users of an organization upload into their own; a system administrator chooses (ignored for the others).
    return {
        "organization": str(w.contract.organization_id),
        "file": SimpleUploadedFile("payments.csv", PAYMENT_CSV.encode(), content_type="text/csv"),
    }


OPS: dict[str, Op] = {
    # Commitment
    "commitment-changelist-GET": Op("GET", lambda w: f"{A}/commitment/"),
    "commitment-add-GET": Op("GET", lambda w: f"{A}/commitment/add/"),
    "commitment-add-POST": Op(
        "POST",
        lambda w: f"{A}/commitment/add/",
        lambda w: (
            commitment_form(w.draft, matter="新規の債務負担行為", expected_version="")
            | {"organization": w.org.organization.pk}
        ),
        done=lambda w: Commitment.objects.filter(matter="新規の債務負担行為", status=Status.DRAFT).exists(),
    ),
    "commitment-change-draft-GET": Op("GET", lambda w: f"{A}/commitment/{w.draft.pk}/change/"),
    "commitment-change-draft-POST": Op(
        "POST",
        lambda w: f"{A}/commitment/{w.draft.pk}/change/",
        lambda w: commitment_form(w.draft, matter="書き換えた事項"),
        done=lambda w: Commitment.objects.get(pk=w.draft.pk).matter == "書き換えた事項",
    ),
    "commitment-change-submitted-GET": Op("GET", lambda w: f"{A}/commitment/{w.submitted.pk}/change/"),
    "commitment-change-submitted-POST": Op(
        "POST",
        lambda w: f"{A}/commitment/{w.submitted.pk}/change/",
        lambda w: commitment_form(w.submitted, matter="書き換えた事項"),
    ),
    "commitment-change-approved-GET": Op("GET", lambda w: f"{A}/commitment/{w.approved.pk}/change/"),
    "commitment-change-approved-POST": Op(
        "POST",
        lambda w: f"{A}/commitment/{w.approved.pk}/change/",
        lambda w: commitment_form(w.approved, matter="書き換えた事項"),
    ),
    "commitment-delete-draft-GET": Op("GET", lambda w: f"{A}/commitment/{w.draft.pk}/delete/"),
    "commitment-delete-draft-POST": Op(
        "POST",
        lambda w: f"{A}/commitment/{w.draft.pk}/delete/",
        lambda w: {"post": "yes"},
        done=lambda w: not Commitment.objects.filter(pk=w.draft.pk).exists(),
    ),
    "commitment-delete-approved-GET": Op("GET", lambda w: f"{A}/commitment/{w.approved.pk}/delete/"),
    "commitment-delete-approved-POST": Op(
        "POST", lambda w: f"{A}/commitment/{w.approved.pk}/delete/", lambda w: {"post": "yes"}
    ),
    "commitment-history-GET": Op("GET", lambda w: f"{A}/commitment/{w.approved.pk}/history/"),
    "commitment-history-version-GET": Op(
        "GET", lambda w: f"{A}/commitment/{w.approved.pk}/history/{_latest_history(w.approved)}/"
    ),
    "commitment-history-revert-POST": Op(
        "POST",
        lambda w: f"{A}/commitment/{w.draft.pk}/history/{_latest_history(w.draft)}/",
        lambda w: commitment_form(w.draft, matter="履歴から書き換え"),
    ),
    "commitment-history-revert-approved-POST": Op(
        "POST",
        lambda w: f"{A}/commitment/{w.approved.pk}/history/{_latest_history(w.approved)}/",
        lambda w: commitment_form(w.approved, matter="履歴から書き換え"),
    ),
    "commitment-submit_selected-POST": Op(
        "POST",
        lambda w: f"{A}/commitment/",
        lambda w: _action("submit_selected", w.draft.pk),
        done=lambda w: _status(Commitment, w.draft.pk) == Status.SUBMITTED,
        action="submit_selected",
    ),
    "commitment-approve_selected-POST": Op(
        "POST",
        lambda w: f"{A}/commitment/",
        lambda w: _action("approve_selected", w.submitted.pk, confirm="1", resolution="第2回定例会 議案第5号"),
        done=lambda w: Commitment.objects.filter(
            pk=w.submitted.pk, status=Status.APPROVED, resolution="第2回定例会 議案第5号"
        ).exists(),
        action="approve_selected",
    ),
    "commitment-reject_selected-POST": Op(
        "POST",
        lambda w: f"{A}/commitment/",
        lambda w: _action("reject_selected", w.submitted.pk, confirm="1", reason="積算根拠を添付してください"),
        done=lambda w: Commitment.objects.filter(
            pk=w.submitted.pk, status=Status.DRAFT, rejection_reason="積算根拠を添付してください"
        ).exists(),
        action="reject_selected",
    ),
    "commitment-withdraw_selected-POST": Op(
        "POST",
        lambda w: f"{A}/commitment/",
        lambda w: _action("withdraw_selected", w.submitted.pk),
        done=lambda w: _status(Commitment, w.submitted.pk) == Status.DRAFT,
        action="withdraw_selected",
    ),
    "commitment-fill_planned_selected-POST": Op(
        "POST",
        lambda w: f"{A}/commitment/",
        lambda w: _action("fill_planned_selected", w.draft.pk),
        done=lambda w: Commitment.objects.get(pk=w.draft.pk).version == w.draft.version + 1,
        action="fill_planned_selected",
    ),
    # PlannedAmount through the commitment's change page
    "plannedamount-inline-POST": Op(
        "POST",
        lambda w: f"{A}/commitment/{w.explicit_draft.pk}/change/",
        lambda w: (
            commitment_form(w.explicit_draft)
            | _planned_forms(w.explicit_draft, {2017: 1_000_000, 2018: 3_000_000, 2019: 3_000_000, 2020: 3_000_000})
        ),
        done=lambda w: (
            _planned(w.explicit_draft) == {2017: 1_000_000, 2018: 3_000_000, 2019: 3_000_000, 2020: 3_000_000}
        ),
    ),
    "plannedamount-fill_button-POST": Op(
        "POST",
        lambda w: f"{A}/commitment/{w.explicit_draft.pk}/change/",
        lambda w: commitment_form(w.explicit_draft) | {"_fill_equal": "1"},
        done=lambda w: _planned(w.explicit_draft) == dict.fromkeys(range(2017, 2021), 2_500_000),
    ),
    "plannedamount-inline-approved-POST": Op(
        "POST",
        lambda w: f"{A}/commitment/{w.approved.pk}/change/",
        lambda w: commitment_form(w.approved) | _planned_forms(w.approved, UNEVEN),
    ),
    # Contract
    "contract-changelist-GET": Op("GET", lambda w: f"{A}/contract/"),
    "contract-add-GET": Op("GET", lambda w: f"{A}/contract/add/"),
    "contract-add-POST": Op(
        "POST",
        lambda w: f"{A}/contract/add/",
        lambda w: contract_form(None, commitment=w.approved.pk),
        done=lambda w: Contract.objects.filter(commitment=w.approved, contract_no="C-002").exists(),
    ),
    "contract-change-GET": Op("GET", lambda w: f"{A}/contract/{w.contract.pk}/change/"),
    "contract-change-POST": Op(
        "POST",
        lambda w: f"{A}/contract/{w.contract.pk}/change/",
        lambda w: contract_form(w.contract, counterparty="株式会社変更後"),
        done=lambda w: Contract.objects.get(pk=w.contract.pk).counterparty == "株式会社変更後",
    ),
    "contract-delete-GET": Op("GET", lambda w: f"{A}/contract/{w.contract.pk}/delete/"),
    "contract-delete-POST": Op("POST", lambda w: f"{A}/contract/{w.contract.pk}/delete/", lambda w: {"post": "yes"}),
    "contract-history-GET": Op("GET", lambda w: f"{A}/contract/{w.contract.pk}/history/"),
    "contract-history-revert-POST": Op(
        "POST",
        lambda w: f"{A}/contract/{w.contract.pk}/history/{_latest_history(w.contract)}/",
        lambda w: contract_form(w.contract, counterparty="履歴から書き換え", commitment=w.approved.pk),
    ),
    # Payment
    "payment-changelist-GET": Op("GET", lambda w: f"{A}/payment/"),
    "payment-add-GET": Op("GET", lambda w: f"{A}/payment/add/"),
    "payment-add-POST": Op(
        "POST",
        lambda w: f"{A}/payment/add/",
        lambda w: _payment_form(w),
        done=lambda w: Payment.objects.filter(contract=w.contract, reference="PERM-ADD", amount_yen=1_000_000).exists(),
    ),
    "payment-change-GET": Op("GET", lambda w: f"{A}/payment/{w.payment.pk}/change/"),
    "payment-change-POST": Op(
        "POST", lambda w: f"{A}/payment/{w.payment.pk}/change/", lambda w: _payment_form(w, amount_yen="2000000")
    ),
    "payment-delete-GET": Op("GET", lambda w: f"{A}/payment/{w.payment.pk}/delete/"),
    "payment-delete-POST": Op("POST", lambda w: f"{A}/payment/{w.payment.pk}/delete/", lambda w: {"post": "yes"}),
    "payment-history-GET": Op("GET", lambda w: f"{A}/payment/{w.payment.pk}/history/"),
    "payment-history-revert-POST": Op(
        "POST",
        lambda w: f"{A}/payment/{w.payment.pk}/history/{_latest_history(w.payment)}/",
        lambda w: _payment_form(w, reference="PERM-REVERT"),
    ),
    "payment-upload-GET": Op("GET", lambda w: f"{A}/payment/upload/"),
    "payment-upload-POST": Op(
        "POST",
        lambda w: f"{A}/payment/upload/",
        _csv,
        done=lambda w: Payment.objects.filter(contract=w.contract, reference="PERM-CSV", amount_yen=500_000).exists(),
    ),
    # Amendment
    "amendment-changelist-GET": Op("GET", lambda w: f"{A}/amendment/"),
    "amendment-add-GET": Op("GET", lambda w: f"{A}/amendment/add/"),
    "amendment-add-POST": Op(
        "POST",
        lambda w: f"{A}/amendment/add/",
        lambda w: _amendment_form(None, w.fresh_approved),
        done=lambda w: Amendment.objects.filter(commitment=w.fresh_approved, reason="追加の補正").exists(),
    ),
    "amendment-change-draft-GET": Op("GET", lambda w: f"{A}/amendment/{w.amendment_draft.pk}/change/"),
    "amendment-change-draft-POST": Op(
        "POST",
        lambda w: f"{A}/amendment/{w.amendment_draft.pk}/change/",
        lambda w: _amendment_form(w.amendment_draft, reason="理由を書き直した"),
        done=lambda w: Amendment.objects.get(pk=w.amendment_draft.pk).reason == "理由を書き直した",
    ),
    "amendment-change-submitted-GET": Op("GET", lambda w: f"{A}/amendment/{w.amendment_submitted.pk}/change/"),
    "amendment-change-submitted-POST": Op(
        "POST",
        lambda w: f"{A}/amendment/{w.amendment_submitted.pk}/change/",
        lambda w: _amendment_form(w.amendment_submitted, reason="理由を書き直した"),
    ),
    "amendment-delete-draft-GET": Op("GET", lambda w: f"{A}/amendment/{w.amendment_draft.pk}/delete/"),
    "amendment-delete-draft-POST": Op(
        "POST",
        lambda w: f"{A}/amendment/{w.amendment_draft.pk}/delete/",
        lambda w: {"post": "yes"},
        done=lambda w: not Amendment.objects.filter(pk=w.amendment_draft.pk).exists(),
    ),
    "amendment-history-GET": Op("GET", lambda w: f"{A}/amendment/{w.amendment_draft.pk}/history/"),
    "amendment-history-revert-POST": Op(
        "POST",
        lambda w: f"{A}/amendment/{w.amendment_draft.pk}/history/{_latest_history(w.amendment_draft)}/",
        lambda w: _amendment_form(w.amendment_draft, reason="履歴から書き換え"),
    ),
    "amendment-submit_selected-POST": Op(
        "POST",
        lambda w: f"{A}/amendment/",
        lambda w: _action("submit_selected", w.amendment_draft.pk),
        done=lambda w: _status(Amendment, w.amendment_draft.pk) == AmendmentStatus.SUBMITTED,
        action="submit_selected",
    ),
    "amendment-approve_selected-POST": Op(
        "POST",
        lambda w: f"{A}/amendment/",
        lambda w: _action("approve_selected", w.amendment_submitted.pk, confirm="1", resolution="理事長決裁"),
        done=lambda w: Amendment.objects.filter(
            pk=w.amendment_submitted.pk, status=AmendmentStatus.APPROVED, resolution="理事長決裁"
        ).exists(),
        action="approve_selected",
    ),
    "amendment-reject_selected-POST": Op(
        "POST",
        lambda w: f"{A}/amendment/",
        lambda w: _action("reject_selected", w.amendment_submitted.pk, confirm="1", reason="根拠が不足"),
        done=lambda w: Amendment.objects.filter(
            pk=w.amendment_submitted.pk, status=AmendmentStatus.DRAFT, rejection_reason="根拠が不足"
        ).exists(),
        action="reject_selected",
    ),
    "amendment-withdraw_selected-POST": Op(
        "POST",
        lambda w: f"{A}/amendment/",
        lambda w: _action("withdraw_selected", w.amendment_submitted.pk),
        done=lambda w: _status(Amendment, w.amendment_submitted.pk) == AmendmentStatus.DRAFT,
        action="withdraw_selected",
    ),
    # Segment
    "segment-changelist-GET": Op("GET", lambda w: f"{A}/segment/"),
    "segment-add-GET": Op("GET", lambda w: f"{A}/segment/add/"),
    "segment-add-POST": Op(
        "POST",
        lambda w: f"{A}/segment/add/",
        lambda w: _segment_form(w, code="perm-new", name="新しい事業区分", sort_order=9),
        done=lambda w: Segment.objects.filter(organization=w.org.organization, code="perm-new").exists(),
    ),
    "segment-change-GET": Op("GET", lambda w: f"{A}/segment/{w.segment.pk}/change/"),
    "segment-change-POST": Op(
        "POST",
        lambda w: f"{A}/segment/{w.segment.pk}/change/",
        lambda w: _segment_form(w, name="水道事業（改称）"),
        done=lambda w: Segment.objects.get(pk=w.segment.pk).name == "水道事業（改称）",
    ),
    "segment-delete-GET": Op("GET", lambda w: f"{A}/segment/{w.segment.pk}/delete/"),
    "segment-delete-POST": Op(
        "POST",
        lambda w: f"{A}/segment/{w.segment.pk}/delete/",
        lambda w: {"post": "yes"},
        done=lambda w: not Segment.objects.filter(pk=w.segment.pk).exists(),
    ),
    "segment-history-GET": Op("GET", lambda w: f"{A}/segment/{w.segment.pk}/history/"),
    # ProjectionYear
    "projectionyear-changelist-GET": Op("GET", lambda w: f"{A}/projectionyear/"),
    "projectionyear-add-GET": Op("GET", lambda w: f"{A}/projectionyear/add/"),
    "projectionyear-add-POST": Op(
        "POST",
        lambda w: f"{A}/projectionyear/add/",
        lambda w: {
            "commitment": w.approved.pk,
            "organization": w.org.organization.pk,
            "segment": w.org.segment.pk,
            "fiscal_year": "2018",
            "planned_yen": "1",
            "paid_yen": "0",
            "contracted_yen": "0",
            "uncontracted_yen": "0",
            "computed_at_0": "2026-01-01",
            "computed_at_1": "00:00:00",
        },
    ),
    "projectionyear-change-GET": Op("GET", lambda w: f"{A}/projectionyear/{w.projection.pk}/change/"),
    "projectionyear-change-POST": Op(
        "POST",
        lambda w: f"{A}/projectionyear/{w.projection.pk}/change/",
        lambda w: {"fiscal_year": "2017", "planned_yen": "1", "paid_yen": "0", "contracted_yen": "0"},
    ),
    "projectionyear-delete-GET": Op("GET", lambda w: f"{A}/projectionyear/{w.projection.pk}/delete/"),
    "projectionyear-delete-POST": Op(
        "POST", lambda w: f"{A}/projectionyear/{w.projection.pk}/delete/", lambda w: {"post": "yes"}
    ),
    "projectionyear-history-GET": Op("GET", lambda w: f"{A}/projectionyear/{w.projection.pk}/history/"),
}

assert set(OPS) == set(MATRIX), set(OPS) ^ set(MATRIX)
assert all(len(row) == len(ROLES) for row in MATRIX.values())
assert all(OPS[op].done for op, row in MATRIX.items() if DONE in row), "a DONE cell needs its database check"
assert all(OPS[op].action for op, row in MATRIX.items() if ABSENT in row or REFUSED in row), "only actions"

CELLS = [
    pytest.param(role, op, expected, id=f"{role}-{op}")
    for op, row in MATRIX.items()
    for role, expected in zip(ROLES, row, strict=True)
]


# ---------------------------------------------------------------------------------------------------------------
# The checks.


@pytest.fixture(scope="module")
def people(django_db_setup: None, django_db_blocker: Any) -> Any:
    """The organization, its role users and a superuser, made once for this module.

    They live in a transaction rolled back when the module ends; every test runs in a savepoint inside it (the
    `django_db` mark), so each test still starts from exactly these rows, and builds its own records.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        roles_ensure(apps)  # a transactional test elsewhere may have flushed the groups
        org = make_org(prefix="perm_")
        superuser = User.objects.create_superuser("perm_root", "root@example.jp", "pw-root")
        assert superuser.is_staff and superuser.is_superuser and superuser.organization_id is None
        assert not org.auditor.is_staff and not org.manager.is_staff  # the admin is closed to them
        yield org, superuser
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _roles() -> None:
    """Replaces the integration conftest's per-test roles_ensure: `people` ensured the groups for the module."""


@pytest.fixture
def world(people: Any, db: None) -> World:
    return World(*people)


def _request(client: Any, op: Op, url: str, data: dict[str, Any] | None) -> Any:
    client.raise_request_exception = False  # a crash is reported as a 500 in the cell, not as an error
    if op.method == "GET":
        return client.get(url)
    return client.post(url, data or {})


def _describe(response: Any) -> str:
    text = f"{response.status_code}"
    if response.status_code in (301, 302):
        text += f" -> {response['Location']}"
    exc = getattr(response, "exc_info", None)
    if exc:
        text += f" raised {exc[0].__name__}: {exc[1]}"
    return text


def _offered(client: Any, changelist: str, action: str) -> bool:
    """Whether the changelist's action select offers `action` (an action op posts to its changelist)."""
    page = client.get(changelist)
    assert page.status_code == 200, _describe(page)
    return f'<option value="{action}"' in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "op_name", "expected"), CELLS)
def test_admin_permission(client: Any, world: World, role: str, op_name: str, expected: Any) -> None:
    op = OPS[op_name]
    url = op.url(world)
    data = op.data(world) if op.data else None
    user = world.user(role)
    if user is not None:
        client.force_login(user)

    offered = None
    if op.action and expected != LOGIN:
        offered = _offered(client, url, op.action)

    before = fingerprint()
    response = _request(client, op, url, data)
    after = fingerprint()

    problems: list[str] = []
    status = response.status_code
    if expected == LOGIN:
        if status != 302 or not response["Location"].startswith("/admin/login/"):
            problems.append(f"expected 302 to the admin login, got {_describe(response)}")
    elif expected in (OK, DENY):
        if status != expected:
            problems.append(f"expected {expected}, got {_describe(response)}")
    elif expected == DONE:
        if status != 302:
            problems.append(f"expected 302 after success, got {_describe(response)}")
        if not op.done(world):  # type: ignore[misc]
            problems.append("expected the change in the database, it is not there")
    elif expected in (ABSENT, REFUSED):
        if status != 302:
            problems.append(f"expected 302 back to the changelist, got {_describe(response)}")
    if op.action and offered is not None:
        should_offer = expected in (DONE, REFUSED)
        if offered != should_offer:
            problems.append(f"action {op.action} {'is' if offered else 'is not'} offered in the changelist")
    if expected != DONE and before != after:
        problems.append(f"database changed: {fingerprint_diff(before, after)}")
    if expected == REFUSED and not problems:
        messages = [str(m) for m in response.wsgi_request._messages]
        assert any("できません" in m or "提出者だけ" in m for m in messages), messages
    assert not problems, f"{role} {op_name}: " + " | ".join(problems)


# ---------------------------------------------------------------------------------------------------------------
# Segregation of duties: nobody approves their own submission, superuser and the dual-role officer included.

SOD_CELLS = [
    pytest.param(who, kind, id=f"{who}-{kind}-approve_own_submission-POST")
    for who in ("superuser", "officer_with_approver_role")
    for kind in ("commitment", "amendment")
]


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "kind"), SOD_CELLS)
def test_nobody_approves_own_submission(client: Any, world: World, who: str, kind: str) -> None:
    actor = world.superuser if who == "superuser" else world.org.officer
    if kind == "commitment":
        target = approval.commitment_create(
            actor=actor,
            organization=world.org.organization,
            segment=world.org.segment,
            matter="自己承認の試み",
            limit_yen=1_000_000,
            limit_text="",
            authorized_fy=2017,
            first_burden_fy=2017,
            last_burden_fy=2018,
        )
        approval.commitment_submit(actor=actor, commitment=target)
    else:
        draft = amendments.amendment_create(
            actor=actor, commitment=world.fresh_approved, reason="自己承認の試み", new_limit_yen=11_000_000
        )
        target = amendments.amendment_submit(actor=actor, amendment=draft)
    model = type(target)
    client.force_login(actor)
    before = fingerprint()
    response = client.post(
        f"{A}/{kind}/", _action("approve_selected", target.pk, confirm="1", resolution="自己決裁"), follow=True
    )
    assert response.status_code == 200
    assert "自分が提出した" in response.content.decode()
    assert model.objects.get(pk=target.pk).status == "submitted"
    assert fingerprint() == before


# ---------------------------------------------------------------------------------------------------------------
# Another organization's records: invisible and untouchable for its officers and approvers. The outsider is a
# finance_officer or approver of a second organization; every request must show none of the first organization's
# records and change nothing (a redirect, 403, 404, or a form shown again with an error are all fine).

# What identifies the first organization's records on a page.
_INSIDE_MARKS = ("承認済のリース", "起案中の清掃業務", "承認待ちの警備業務", "単価の改定", "C-001", "PERM-FIX")

OTHER_ORG: dict[str, tuple[str, Op]] = {
    "commitment-change-GET": ("finance_officer", OPS["commitment-change-approved-GET"]),
    "commitment-history-GET": ("finance_officer", OPS["commitment-history-GET"]),
    "commitment-history-version-GET": (
        "finance_officer",
        Op("GET", lambda w: f"{A}/commitment/{w.draft.pk}/history/{_latest_history(w.draft)}/"),
    ),
    "commitment-change-POST": ("finance_officer", OPS["commitment-change-draft-POST"]),
    "commitment-history-revert-POST": ("finance_officer", OPS["commitment-history-revert-POST"]),
    "commitment-submit_selected-POST": ("finance_officer", OPS["commitment-submit_selected-POST"]),
    "commitment-approve_selected-POST": ("approver", OPS["commitment-approve_selected-POST"]),
    "contract-change-GET": ("finance_officer", OPS["contract-change-GET"]),
    "contract-history-GET": ("finance_officer", OPS["contract-history-GET"]),
    "contract-add-POST": ("finance_officer", OPS["contract-add-POST"]),
    "payment-change-GET": ("finance_officer", OPS["payment-change-GET"]),
    "payment-history-GET": ("finance_officer", OPS["payment-history-GET"]),
    "payment-add-POST": ("finance_officer", OPS["payment-add-POST"]),
    "payment-upload-POST": ("finance_officer", OPS["payment-upload-POST"]),
    "amendment-change-GET": ("finance_officer", OPS["amendment-change-draft-GET"]),
    "amendment-history-GET": ("finance_officer", OPS["amendment-history-GET"]),
    "amendment-add-POST": ("finance_officer", OPS["amendment-add-POST"]),
    "amendment-approve_selected-POST": ("approver", OPS["amendment-approve_selected-POST"]),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(OTHER_ORG), ids=[f"other_org_{r}-{c}" for c, (r, _op) in OTHER_ORG.items()])
def test_other_organization_is_invisible(client: Any, world: World, case: str) -> None:
    role, op = OTHER_ORG[case]
    url = op.url(world)
    data = op.data(world) if op.data else None
    outsiders = make_org("別の町", prefix="perm_other_")
    client.force_login(outsiders.officer2 if role == "finance_officer" else outsiders.approver)

    before = fingerprint()
    response = _request(client, op, url, data)
    after = fingerprint()

    problems = []
    if response.status_code not in (200, 302, 403, 404):
        problems.append(f"got {_describe(response)}")
    if response.status_code == 200:
        typed = PAYMENT_CSV if op is OPS["payment-upload-POST"] else ""  # an error may quote the outsider's own CSV
        shown = [mark for mark in _INSIDE_MARKS if mark in response.content.decode() and mark not in typed]
        if shown:
            problems.append(f"the page shows the other organization's {shown}")
    if before != after:
        problems.append(f"database changed: {fingerprint_diff(before, after)}")
    assert not problems, f"{role} of another organization, {case}: " + " | ".join(problems)
