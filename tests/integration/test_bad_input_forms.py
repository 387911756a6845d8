"""Bad input to the admin forms a finance officer fills: a form error beside the field (or a save), never a 500.

Commitment, contract, payment and amendment add/change pages are posted with arbitrary and edge values through
Django's test client: the answer is 200 with a Japanese error naming a field (or a non-field error), and no new
row; or 302 for input that is valid, with a row that keeps the domain rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commitments.forms import AmendmentForm, CommitmentForm
from commitments.models import Amendment, Commitment, Contract, Payment, Status
from tests.support.factories import make_commitment, make_contract

pytestmark = pytest.mark.django_db

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

EDGE = [
    "",
    " ",
    "0",
    "-1",
    "△1",
    "１２，０００",
    "1e30",
    str(10**40),
    "9" * 19,
    "9223372036854775808",
    "1.5",
    "NaN",
    "令和0年度",
    "平成99年度",
    "明治5年度",
    "X5年度",
    "2017-02-30",
    "0000-00-00",
    "99999-01-01",
    "\x00",
    "\u202e",
    "<script>",
    "'; DROP TABLE x; --",
    "a" * 600,
]
VALUE = st.one_of(
    st.sampled_from(EDGE),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.integers(min_value=1800, max_value=2300).map(str),
    st.builds(lambda era, n: f"{era}{n}年度", st.sampled_from(["令和", "平成", "昭和", "R", "H"]), st.integers(0, 120)),
    st.dates().map(lambda d: d.isoformat()),
)


# Fields checked together: an error may stand beside the other field of the pair (初年度 before 行為年度 …).
RELATED = [
    {"authorized_fy", "first_burden_fy", "last_burden_fy"},
    {"spread_rule", "spread_start_month", "spread_months"},
    {"limit_amount", "limit_unit", "limit_text"},
    {"signed_on", "start_on", "end_on"},
    {"new_limit_amount", "limit_unit", "new_limit_text"},
    {"new_first_burden_fy", "new_last_burden_fy", "new_contract_until_fy"},
]


def _with_related(fields: set[str]) -> set[str]:
    return fields.union(*(group for group in RELATED if group & fields))


def _fields(names: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """Some of the named fields with fuzzed values (the others keep their valid value)."""
    return st.fixed_dictionaries({}, optional={name: VALUE for name in names})


def _form_errors(response: Any) -> dict[str, list[str]]:
    """The main form's errors and the formsets' errors of an admin page, keyed by field ('__all__' for non-field)."""
    context = response.context
    errors: dict[str, list[str]] = {}
    form = context.get("adminform").form if context.get("adminform") else context.get("form")
    for name, messages in (form.errors if form is not None else {}).items():
        errors.setdefault(name, []).extend(messages)
    for inline in context.get("inline_admin_formsets") or []:
        errors.setdefault("__all__", []).extend(inline.formset.non_form_errors())
        for subform in inline.formset.forms:
            for name, messages in subform.errors.items():
                errors.setdefault(f"{inline.formset.prefix}-{name}", []).extend(messages)
    return {name: messages for name, messages in errors.items() if messages}


def _check(
    client: Client,
    url: str,
    data: dict[str, Any],
    model: type,
    fuzzed: set[str],
    valid: Callable[[], None] | None = None,
) -> int:
    """Post; a 200 must carry Japanese errors on the fuzzed fields (or the form as a whole) and add no row."""
    before = model.objects.count()
    response = client.post(url, data)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert "/login/" not in response.url
        if valid is not None:
            valid()
        return 302
    assert model.objects.count() == before
    errors = _form_errors(response)
    assert errors, "a 200 without any form error"
    assert set(errors) <= _with_related(fuzzed) | {"__all__"}, errors
    for messages in errors.values():
        assert all(JAPANESE.search(str(message)) for message in messages), messages
    return 200


# --- data ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def world(org):
    commitment = make_commitment(org)  # approved, 10,000,000 yen, FY2017–FY2020
    contract = make_contract(org, commitment, "K-1", 1_000_000)
    draft = make_commitment(org, approve=False, matter="下書きの事項")
    return org, commitment, contract, draft


def _commitment_post(org: Any, **changes: str) -> dict[str, Any]:
    data = {
        "organization": str(org.organization.pk),
        "segment": str(org.segment.pk),
        "kind": "other",
        "seq": "",
        "matter": "入力検査用の事項",
        "limit_amount": "12,000",
        "limit_unit": "千円",
        "limit_text": "",
        "estimated_limit_yen": "",
        "authorized_fy": "令和8年度",
        "first_burden_fy": "R8",
        "last_burden_fy": "令和10年度",
        "spread_rule": "equal",
        "spread_start_month": "",
        "spread_months": "",
        "expected_version": "",
    }
    for prefix in ("planned_amounts", "events", "contracts", "amendments"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | changes


def _contract_post(commitment: Commitment, **changes: str) -> dict[str, Any]:
    data = {
        "commitment": str(commitment.pk),
        "contract_no": "F-1",
        "counterparty": "株式会社検査",
        "signed_on": "2017-08-01",
        "start_on": "2017-09-01",
        "end_on": "2018-03-31",
        "amount_yen": "100000",
        "payment_terms": "lump_sum",
        "note": "",
        "expected_version": "",
    }
    for prefix in ("installments", "payments"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | changes


def _payment_post(contract: Contract, **changes: str) -> dict[str, Any]:
    data = {"contract": str(contract.pk), "paid_on": "2017-12-01", "fiscal_year": "", "amount_yen": "1000"}
    return data | {"reference": "R-1"} | changes


def _amendment_post(commitment: Commitment, **changes: str) -> dict[str, Any]:
    data = {
        "commitment": str(commitment.pk),
        "reason": "入力検査",
        "new_matter": "",
        "new_limit_amount": "",
        "limit_unit": "千円",
        "new_limit_text": "",
        "new_estimated_limit_yen": "",
        "new_first_burden_fy": "",
        "new_last_burden_fy": "",
        "new_contract_until_fy": "",
        "planned_lines": "",
        "expected_version": "",
    }
    return data | changes


def _login(client: Client, org: Any) -> None:
    client.force_login(org.officer2)


# --- fuzzing each form --------------------------------------------------------------------------------------------

# Every field an officer types on the form (the choices of organization, segment and kind, and the version, stay valid).
COMMITMENT_FIELDS = [
    name for name in CommitmentForm.Meta.fields if name not in {"organization", "segment", "kind", "expected_version"}
]


def _commitment_is_sound() -> None:
    for c in Commitment.objects.filter(status=Status.DRAFT):
        assert c.limit_yen is None or 0 < c.limit_yen < 2**63
        assert c.authorized_fy <= c.first_burden_fy <= c.last_burden_fy < c.first_burden_fy + 50


@FUZZ
@given(values=_fields(COMMITMENT_FIELDS))
def test_commitment_add_form(world, client, values):
    org = world[0]
    _login(client, org)
    data = _commitment_post(org, matter=f"検査{Commitment.objects.count()}") | values
    _check(client, "/admin/commitments/commitment/add/", data, Commitment, set(values), _commitment_is_sound)


@FUZZ
@given(values=_fields(COMMITMENT_FIELDS))
def test_commitment_change_form(world, client, values):
    org, _commitment, _contract, draft = world
    draft.refresh_from_db()
    _login(client, org)
    data = _commitment_post(org, matter=draft.matter, expected_version=str(draft.version)) | values
    url = f"/admin/commitments/commitment/{draft.pk}/change/"
    _check(client, url, data, Commitment, set(values) | {"expected_version"}, _commitment_is_sound)


CONTRACT_FIELDS = ["contract_no", "counterparty", "signed_on", "start_on", "end_on", "amount_yen", "payment_terms"]


def _contracts_are_sound() -> None:
    for k in Contract.objects.all():
        assert 0 < k.amount_yen and k.start_on <= k.end_on


@FUZZ
@given(values=_fields(CONTRACT_FIELDS))
def test_contract_add_form(world, client, values):
    org, commitment = world[0], world[1]
    _login(client, org)
    data = _contract_post(commitment, contract_no=f"F-{Contract.objects.count()}") | values
    _check(client, "/admin/commitments/contract/add/", data, Contract, set(values), _contracts_are_sound)


@FUZZ
@given(values=_fields(CONTRACT_FIELDS))
def test_contract_change_form(world, client, values):
    org, commitment, contract = world[:3]
    contract.refresh_from_db()
    _login(client, org)
    data = _contract_post(
        commitment,
        contract_no=contract.contract_no,
        signed_on=contract.signed_on.isoformat(),
        start_on=contract.start_on.isoformat(),
        end_on=contract.end_on.isoformat(),
        amount_yen=str(contract.amount_yen),
        expected_version=str(contract.version),
        change_reason="入力検査の変更契約",
    )
    url = f"/admin/commitments/contract/{contract.pk}/change/"
    _check(client, url, data | values, Contract, set(values) | {"expected_version"}, _contracts_are_sound)


@FUZZ
@given(values=_fields(["paid_on", "fiscal_year", "amount_yen", "reference"]))
def test_payment_add_form(world, client, values):
    org, _commitment, contract = world[:3]
    _login(client, org)
    data = _payment_post(contract, reference=f"R-{Payment.objects.count()}") | values  # a new 支出命令番号 each time
    _check(client, "/admin/commitments/payment/add/", data, Payment, set(values))
    assert sum(Payment.objects.values_list("amount_yen", flat=True)) <= contract.amount_yen


# Every field typed on the 補正 form but the commitment chosen, the abolition box, the new 事項 and the version.
AMENDMENT_FIELDS = [
    name
    for name in AmendmentForm.Meta.fields
    if name not in {"commitment", "abolish", "new_matter", "expected_version"}
]


@FUZZ
@given(values=_fields(AMENDMENT_FIELDS))
def test_amendment_add_form(world, client, values):
    org, commitment = world[0], world[1]
    Amendment.objects.filter(commitment=commitment).delete()  # one open amendment per commitment
    _login(client, org)
    _check(client, "/admin/commitments/amendment/add/", _amendment_post(commitment) | values, Amendment, set(values))


# --- targeted cases -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"limit_amount": "0"}, "limit_amount", "正の金額"),
        ({"limit_amount": "-1"}, "limit_amount", "正の金額"),
        ({"limit_amount": "1e30"}, "limit_amount", "金額を読み取れません"),
        ({"limit_amount": "9" * 19}, "limit_amount", "大きすぎ"),
        ({"limit_amount": str(10**40)}, "limit_amount", "40 文字以下"),
        ({"estimated_limit_yen": str(10**40)}, "estimated_limit_yen", ""),
        ({"last_burden_fy": "2125"}, "last_burden_fy", "50年"),
        ({"first_burden_fy": "令和0年度"}, "first_burden_fy", "年数が不正"),
        ({"authorized_fy": "明治5年度"}, "authorized_fy", "年度を読み取れません"),
        ({"last_burden_fy": "令和7年度"}, "last_burden_fy", ""),
        ({"first_burden_fy": "令和7年度"}, "first_burden_fy", ""),
        ({"spread_rule": "monthly", "spread_start_month": "99999-01", "spread_months": "12"}, "spread_start_month", ""),
        ({"spread_rule": "monthly", "spread_start_month": "0-01", "spread_months": "12"}, "spread_start_month", ""),
        ({"spread_rule": "monthly", "spread_start_month": "2026-04", "spread_months": "0"}, "spread_months", ""),
        ({"seq": str(2**40)}, "seq", ""),
        ({"limit_unit": "ドル"}, "limit_unit", ""),
    ],
)
def test_commitment_targeted_bad_values(world, client, changes, field, message):
    org = world[0]
    _login(client, org)
    before = Commitment.objects.count()
    response = client.post("/admin/commitments/commitment/add/", _commitment_post(org, **changes))
    assert response.status_code == 200
    errors = _form_errors(response)
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert Commitment.objects.count() == before


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"limit_amount": "１２，０００"}, (12_000_000, 2026, 2026, 2028)),
        ({"limit_amount": "１２，０００", "limit_unit": "円"}, (12_000, 2026, 2026, 2028)),
        ({"first_burden_fy": "令和8年度", "last_burden_fy": "令和57年度"}, (12_000_000, 2026, 2026, 2075)),  # 50 years
    ],
)
def test_commitment_targeted_good_values(world, client, changes, expected):
    org = world[0]
    _login(client, org)
    response = client.post("/admin/commitments/commitment/add/", _commitment_post(org, **changes))
    assert response.status_code == 302, _form_errors(response)
    saved = Commitment.objects.get(matter="入力検査用の事項")
    assert (saved.limit_yen, saved.authorized_fy, saved.first_burden_fy, saved.last_burden_fy) == expected


def test_heisei_99_is_read_as_fy2087_like_every_heisei_year_printed_before_2019(world, client):
    """平成99年度 is the year 2087 (books printed before 令和 name later years in 平成); it is checked as such."""
    org = world[0]
    _login(client, org)
    data = _commitment_post(org, authorized_fy="平成99年度", first_burden_fy="平成99年度", last_burden_fy="2088")
    response = client.post("/admin/commitments/commitment/add/", data)
    assert response.status_code == 302, _form_errors(response)
    assert Commitment.objects.get(matter="入力検査用の事項").authorized_fy == 2087
    data = _commitment_post(org, matter="平成99年度から", first_burden_fy="平成99年度", last_burden_fy="2200")
    response = client.post("/admin/commitments/commitment/add/", data)
    assert response.status_code == 200 and "last_burden_fy" in _form_errors(response) | {"__all__": []}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_yen": "0"}, "amount_yen"),
        ({"amount_yen": "-1"}, "amount_yen"),
        ({"amount_yen": str(10**40)}, "amount_yen"),
        ({"amount_yen": "1e30"}, "amount_yen"),
        ({"start_on": "2018-03-31", "end_on": "2017-09-01"}, "end_on"),
        ({"signed_on": "2017-02-30"}, "signed_on"),
        ({"end_on": "99999-01-01"}, "end_on"),
        ({"payment_terms": "weekly"}, "payment_terms"),
        ({"contract_no": "K" * 51}, "contract_no"),
    ],
)
def test_contract_targeted_bad_values(world, client, changes, field):
    org, commitment = world[0], world[1]
    _login(client, org)
    before = Contract.objects.count()
    response = client.post("/admin/commitments/contract/add/", _contract_post(commitment, **changes))
    assert response.status_code == 200
    assert field in _form_errors(response), _form_errors(response)
    assert Contract.objects.count() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_yen": str(10**40)}, "amount_yen"),
        ({"amount_yen": "0"}, "amount_yen"),
        ({"fiscal_year": "令和0年度"}, "fiscal_year"),
        ({"fiscal_year": "平成99年度"}, "__all__"),
        ({"paid_on": "2017-13-01"}, "paid_on"),
        ({"reference": "R" * 101}, "reference"),
    ],
)
def test_payment_targeted_bad_values(world, client, changes, field):
    org, _commitment, contract = world[:3]
    _login(client, org)
    response = client.post("/admin/commitments/payment/add/", _payment_post(contract, **changes))
    assert response.status_code == 200
    assert field in _form_errors(response), _form_errors(response)
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"new_limit_amount": "0"}, "__all__"),
        ({"new_limit_amount": "-1"}, "__all__"),
        ({"new_limit_amount": str(10**40)}, "new_limit_amount"),
        ({"new_limit_amount": "1e30"}, "new_limit_amount"),
        ({"new_estimated_limit_yen": str(10**40)}, "new_estimated_limit_yen"),
        ({"new_last_burden_fy": "2125"}, "__all__"),
        ({"new_first_burden_fy": "令和0年度"}, "new_first_burden_fy"),
        ({"new_first_burden_fy": "2020", "new_last_burden_fy": "2018"}, "__all__"),
        ({"planned_lines": "令和0年度 100"}, "planned_lines"),
        ({"planned_lines": f"2017 {10**40}"}, "planned_lines"),
        ({"planned_lines": "2017 100 200"}, "planned_lines"),
    ],
)
def test_amendment_targeted_bad_values(world, client, changes, field):
    org, commitment = world[0], world[1]
    _login(client, org)
    response = client.post("/admin/commitments/amendment/add/", _amendment_post(commitment, **changes))
    assert response.status_code == 200
    assert field in _form_errors(response), _form_errors(response)
    assert not Amendment.objects.exists()
