"""Every database constraint speaks Japanese beside its field: none reaches a user by its name.

Each CHECK and UNIQUE of the app carries a message in Japanese and names the field it concerns (one of the fields
the constraint reads); a violated constraint is reported under that field by Model.validate_constraints, so an
admin form shows it beside the field. The forms' constraints are violated one by one below.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.db.models import F, Q
from django.test import Client

from commitments.models import Amendment, Contract, Installment, Payment, PlannedAmount, Segment
from commitments.models.constraints import error_field
from tests.support.factories import make_commitment, make_contract

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
MODELS = list(apps.get_app_config("commitments").get_models())
CONSTRAINTS = [(model, c) for model in MODELS for c in model._meta.constraints]


def _referenced(node: Any) -> set[str]:
    """The field names a constraint's condition reads (lookups and F() references)."""
    if isinstance(node, Q):
        names: set[str] = set()
        for child in node.children:
            if isinstance(child, tuple):
                names.add(child[0].split("__")[0])
                names |= _referenced(child[1])
            else:
                names |= _referenced(child)
        return names
    if isinstance(node, F):
        return {node.name.split("__")[0]}
    return set().union(*(_referenced(e) for e in getattr(node, "get_source_expressions", lambda: [])()))


def test_there_are_constraints_to_check() -> None:
    assert len(CONSTRAINTS) >= 45


@pytest.mark.parametrize(("model", "constraint"), CONSTRAINTS, ids=[c.name for _m, c in CONSTRAINTS])
def test_each_constraint_has_japanese_words_and_its_field(model: type[models.Model], constraint: Any) -> None:
    message = str(constraint.get_violation_error_message())
    assert constraint.violation_error_message != constraint.default_violation_error_message
    assert JAPANESE.search(message) and constraint.name not in message, message
    field = error_field(constraint)
    assert field is not None, f"{constraint.name} names no field"
    model._meta.get_field(field)
    read = set(constraint.fields) if isinstance(constraint, models.UniqueConstraint) else set()
    read |= _referenced(getattr(constraint, "condition", None) or Q())
    assert field in read, f"{constraint.name}: {field} is not among the fields it reads {sorted(read)}"
    assert type(model).__mro__  # the model reports it under the field:
    assert "validate_constraints" in {k for cls in model.__mro__[:-1] for k in vars(cls)}


# --- each constraint a form can reach, violated on an instance: reported under its field, in its words ----------

Case = Callable[[Any], models.Model]


def _commitment(world: Any, **changes: Any) -> Any:
    commitment = world["commitment"]
    for name, value in changes.items():
        setattr(commitment, name, value)
    return commitment


def _contract(world: Any, **changes: Any) -> Contract:
    contract = Contract.objects.get(pk=world["contract"].pk)
    for name, value in changes.items():
        setattr(contract, name, value)
    return contract


CASES: dict[str, Case] = {
    "commitment_limit_positive": lambda w: _commitment(w, limit_yen=0),
    "commitment_limit_amount_or_text": lambda w: _commitment(w, limit_yen=None, limit_text=""),
    "commitment_estimate_not_negative": lambda w: _commitment(w, estimated_limit_yen=-1),
    "commitment_authorized_fy_range": lambda w: _commitment(
        w, authorized_fy=1900, first_burden_fy=1900, last_burden_fy=1901
    ),
    "commitment_first_fy_after_authorized": lambda w: _commitment(w, first_burden_fy=2016),
    "commitment_span_ordered": lambda w: _commitment(w, last_burden_fy=2016, first_burden_fy=2017),
    "commitment_span_at_most_50_years": lambda w: _commitment(w, last_burden_fy=2067),
    "commitment_contract_until_after_authorized": lambda w: _commitment(w, contract_until_fy=2016),
    "commitment_monthly_rule_has_months": lambda w: _commitment(w, spread_rule="monthly", spread_start_month=None),
    "commitment_unique_seq": lambda w: _commitment(w, pk=None, seq=w["other"].seq),
    "contract_unique_number": lambda w: _contract(w, pk=None, contract_no="K-1"),
    "contract_amount_positive": lambda w: _contract(w, amount_yen=0),
    "contract_period_ordered": lambda w: _contract(w, end_on=datetime.date(2017, 6, 30)),
    "contract_cancelled_has_date": lambda w: _contract(w, cancelled_on=datetime.date(2017, 9, 1)),
    "installment_unique_due_date": lambda w: Installment(
        contract=w["contract"], due_on=datetime.date(2018, 3, 31), fiscal_year=2017, amount_yen=1
    ),
    "installment_not_negative": lambda w: Installment(
        contract=w["contract"], due_on=datetime.date(2018, 1, 31), fiscal_year=2017, amount_yen=-1
    ),
    "installment_fiscal_year_of_due_date": lambda w: Installment(
        contract=w["contract"], due_on=datetime.date(2018, 1, 31), fiscal_year=2018, amount_yen=1
    ),
    "payment_amount_positive": lambda w: Payment(
        organization=w["org"].organization,
        contract=w["contract"],
        paid_on=datetime.date(2017, 7, 1),
        fiscal_year=2017,
        amount_yen=0,
    ),
    "payment_unique_reference": lambda w: Payment(
        organization=w["org"].organization,
        contract=w["contract"],
        paid_on=datetime.date(2017, 7, 1),
        fiscal_year=2017,
        amount_yen=5,
        reference="支出-1",
    ),
    "planned_unique_year": lambda w: PlannedAmount(commitment=w["commitment"], fiscal_year=2017, amount_yen=1),
    "planned_not_negative": lambda w: PlannedAmount(commitment=w["commitment"], fiscal_year=2030, amount_yen=-1),
    "segment_unique_code": lambda w: Segment(organization=w["org"].organization, code="general", name="別名"),
    "segment_unique_name": lambda w: Segment(organization=w["org"].organization, code="other", name="一般会計"),
    "segment_one_default": lambda w: Segment(
        organization=w["org"].organization, code="other", name="別会計", is_default=True
    ),
    "amendment_limit_positive": lambda w: Amendment(
        organization=w["org"].organization,
        commitment=w["commitment"],
        number=9,
        reason="見直し",
        new_limit_yen=0,
        created_by=w["org"].officer2,
    ),
    "amendment_span_ordered": lambda w: Amendment(
        organization=w["org"].organization,
        commitment=w["commitment"],
        number=9,
        reason="見直し",
        new_first_burden_fy=2019,
        new_last_burden_fy=2018,
        created_by=w["org"].officer2,
    ),
    "amendment_unique_number": lambda w: Amendment(
        organization=w["org"].organization,
        commitment=w["commitment"],
        number=1,
        reason="見直し",
        status="rejected",
        created_by=w["org"].officer2,
    ),
    "amendment_one_open_per_commitment": lambda w: Amendment(
        organization=w["org"].organization,
        commitment=w["commitment"],
        number=2,
        reason="見直し",
        created_by=w["org"].officer2,
    ),
}


@pytest.fixture
def world(org: Any) -> dict[str, Any]:
    from commitments.services import amendments, payments

    commitment = make_commitment(
        org, seq=1, planned={2017: 2_500_000, 2018: 2_500_000, 2019: 2_500_000, 2020: 2_500_000}
    )
    other = make_commitment(org, seq=2, matter="別の業務")
    contract = make_contract(org, commitment, "K-1", 1_000_000)
    payments.payment_record(
        actor=org.officer2, contract=contract, paid_on=datetime.date(2017, 7, 1), amount_yen=5, reference="支出-1"
    )
    amendments.amendment_create(actor=org.officer2, commitment=commitment, reason="見直し", new_matter="見直し後の業務")
    Segment.objects.filter(pk=org.segment.pk).update(is_default=True)
    return {"org": org, "commitment": commitment, "other": other, "contract": contract}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CASES))
def test_a_violated_constraint_is_reported_beside_its_field(world: dict[str, Any], name: str) -> None:
    instance = CASES[name](world)
    constraint = next(c for _m, c in CONSTRAINTS if c.name == name)
    with pytest.raises(Exception) as caught:
        instance.validate_constraints()
    errors = caught.value.message_dict  # type: ignore[attr-defined]
    field = error_field(constraint)
    assert str(constraint.get_violation_error_message()) in errors.get(field, []), errors
    assert "__all__" not in errors and not any(name in m for messages in errors.values() for m in messages)


# --- the reported case, through the admin form ------------------------------------------------------------------


@pytest.mark.django_db
def test_contract_ending_before_it_starts_is_refused_beside_the_end_date(world: dict[str, Any], client: Client) -> None:
    """「制約 "contract_period_ordered" に違反しています。」 stood at the top of the form; one message beside 終了日.

    The form's own rule speaks first; with the rule bypassed the constraint reports under the same field (above)."""
    from tests.integration.test_bad_input_forms import _contract_post, _form_errors

    client.force_login(world["org"].officer2)
    post = _contract_post(world["commitment"], contract_no="K-2", start_on="2018-03-31", end_on="2017-09-01")
    response = client.post("/admin/commitments/contract/add/", post, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200
    errors = _form_errors(response)
    assert list(errors) == ["end_on"] and len(errors["end_on"]) == 1, errors
    assert JAPANESE.search(errors["end_on"][0]), errors
    assert "contract_period_ordered" not in response.content.decode()
    assert not Contract.objects.filter(contract_no="K-2").exists()
