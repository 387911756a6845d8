"""One tenancy scope: a crawl of every admin add and change page of the app's models, asked by each role of 甲市 with
乙町's ids in every id-taking GET parameter, shows nothing of 乙町's books.

The pages come from `admin.site._registry` (not a hand list); the GET parameters are every foreign key of the model
and the names the forms read (`?commitment=`, `?contract=`, `?segment=`, `?organization=` …), each set to the id
of one of 乙町's rows, one at a time and all together. A leak shows as 「乙町」 or a user name crawl_b_* in the page,
or as one of 乙町's amounts in the formats the pages use (円 with commas, 千円, 百万円, or the bare number of an
input); and structurally, as one of 乙町's rows among the choices of any form field on the page. A superuser control
sees 乙町 on the same URLs, so the marks are there to be seen; the first case is the tester's report exactly.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.db import models, transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from commitments import fiscal
from commitments.models import (
    Amendment,
    Commitment,
    Contract,
    ImportJob,
    Organization,
    Payment,
    ProjectionYear,
    ReportDelivery,
    ReportKind,
    ReportSubscription,
    Segment,
    User,
)
from commitments.models.scoping import organization_path
from commitments.roles import roles_ensure
from commitments.services import amendments, payments, projection
from tests.support.factories import make_commitment, make_org, make_snapshot, make_subscription, make_year_contract

FY = fiscal.fiscal_year_of(timezone.localdate())
WORDS = ("乙町", "crawl_b_")
# 乙町's amounts in yen; 甲市's books come to 10,000,000 yen in all, so none of these can be 甲市's.
B_AMOUNTS = (987_654_321_000, 912_345_678_000, 950_000_000_000, 975_310_864_000, 999_000_000_000)
ROLES = {"finance_officer": "officer2", "approver": "approver", "auditor": "auditor", "management": "manager"}
# GET parameters the forms and pages read besides the models' own foreign keys.
NAMED_PARAMETERS: dict[str, type[models.Model]] = {
    "commitment": Commitment,
    "contract": Contract,
    "segment": Segment,
    "organization": Organization,
    "subscription": ReportSubscription,
    "amendment": Amendment,
    "payment": Payment,
    "reverses": Payment,
    "user": User,
}
APP_ADMINS = sorted(
    (model for model in admin.site._registry if model._meta.app_label == "commitments"),
    key=lambda model: model._meta.model_name,
)


def _amount_texts(yen: int) -> set[str]:
    """One amount as the pages may print it: 円 with commas, 千円, 百万円, and bare digits (an input's value)."""
    texts = {f"{yen:,}", str(yen)}
    for unit in ("千円", "百万円"):
        texts.add(fiscal.format_amount(yen, unit=unit))
    return {text for text in texts if len(text.replace(",", "")) >= 6}


LEAK_TEXTS = sorted({text for yen in B_AMOUNTS for text in _amount_texts(yen)}, key=len, reverse=True)


@dataclass
class Books:
    a: Any  # 甲市, the user's own organization
    b: Any  # 乙町, the other one
    superuser: User
    a_rows: dict[type[models.Model], models.Model] = field(default_factory=dict)
    b_rows: dict[type[models.Model], models.Model] = field(default_factory=dict)
    b_pks: dict[type[models.Model], set[int]] = field(default_factory=dict)


def _side(o: Any, name: str, limits: tuple[int, int, int], amendment_limit: int) -> dict[type[models.Model], Any]:
    """One organization's books: commitments, a contract, a payment, an open amendment, reports and an upload."""
    span = {"authorized_fy": FY, "first_burden_fy": FY}
    limit, contracted, draft = limits
    commitment = make_commitment(o, matter=f"{name}下水道管路調査業務", limit_yen=limit, last_burden_fy=FY, **span)
    contract = make_year_contract(o, commitment, f"{name}-001", contracted, fy=FY, counterparty=f"{name}建設株式会社")
    payment = payments.payment_record(
        actor=o.officer2,
        contract=contract,
        paid_on=datetime.date(FY, 6, 30),
        amount_yen=contracted,
        reference=f"{name}支出-1",
    )
    make_commitment(o, approve=False, matter=f"{name}起案中の業務", limit_yen=draft, last_burden_fy=FY, **span)
    amendment = amendments.amendment_create(
        actor=o.officer2, commitment=commitment, reason=f"{name}の補正（起案中）", new_limit_yen=amendment_limit
    )
    projection.projection_refresh(commitment_id=commitment.pk)
    make_snapshot(o, as_of=timezone.localdate() - datetime.timedelta(days=1), fiscal_year=FY, planned_yen=limit)
    subscription = make_subscription(o, name=f"{name} 月次報告")
    subscription.recipient_users.set([o.manager])
    delivery = ReportDelivery.objects.create(
        subscription=subscription,
        subscription_name=subscription.name,
        organization=o.organization,
        kind=ReportKind.EXPOSURE_SUMMARY,
        period="2026-04",
        status=ReportDelivery.Status.SENT,
        recipients=f"{o.manager.email}",
        subject=f"【債務負担行為】{name}の報告",
    )
    upload = ImportJob.objects.create(
        organization=o.organization, file_name=f"{name}予算書.csv", content=name.encode(), uploaded_by=o.officer2
    )
    return {
        Organization: o.organization,
        User: o.officer2,
        Segment: o.segment,
        Commitment: commitment,
        Contract: contract,
        Payment: payment,
        Amendment: amendment,
        ProjectionYear: ProjectionYear.objects.filter(commitment=commitment).first(),
        ReportSubscription: subscription,
        ReportDelivery: delivery,
        ImportJob: upload,
    }


@pytest.fixture(scope="module")
def books(django_db_setup: None, django_db_blocker: Any) -> Iterator[Books]:
    """Both organizations' books, made once for the module in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        roles_ensure(apps)
        a = make_org("甲市", prefix="crawl_a_")
        b = make_org("乙町", prefix="crawl_b_")
        b.segment.name, b.other_segment.name = "乙町下水道事業", "乙町病院事業"
        b.segment.save()
        b.other_segment.save()
        a_rows = _side(a, "甲市", (9_000_000, 3_000_000, 900_000), 9_500_000)
        b_rows = _side(b, "乙町", (987_654_321_000, 912_345_678_000, 975_310_864_000), 999_000_000_000)
        make_commitment(
            b,
            matter="乙町給食配送業務",
            limit_yen=None,
            limit_text="乙町の単価契約による額",
            estimated_limit_yen=950_000_000_000,
            authorized_fy=FY,
            first_burden_fy=FY,
            last_burden_fy=FY + 1,
        )
        superuser = User.objects.create_superuser("crawl_root", "root@example.jp", "pw-root")
        b_pks: dict[type[models.Model], set[int]] = {}
        for model in apps.get_app_config("commitments").get_models():
            path = organization_path(model)
            if path is not None:
                rows = model._default_manager.filter(**{f"{path}__in": [b.organization.pk]})
                b_pks[model] = set(rows.values_list("pk", flat=True))
        yield Books(a, b, superuser, a_rows, b_rows, b_pks)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _roles() -> None:
    """Replaces the integration conftest's per-test roles_ensure: `books` ensured the groups for the module."""


# ---------------------------------------------------------------------------------------------------------------
# What a page shows of 乙町


def _forms_of(response: Any) -> list[forms.BaseForm]:
    """Every form on an admin page: the main form (admin or custom) and every inline form, blank ones included."""
    found: list[forms.BaseForm] = []
    context = response.context
    if context is None:
        return found
    for key in ("adminform", "form"):
        try:
            value = context[key]
        except KeyError:
            continue
        value = getattr(value, "form", value)
        if isinstance(value, forms.BaseForm):
            found.append(value)
    try:
        inlines = context["inline_admin_formsets"]
    except KeyError:
        inlines = []
    for inline in inlines:
        found.extend([*inline.formset.forms, inline.formset.empty_form])
    return found


def page_leaks(response: Any, b_pks: dict[type[models.Model], set[int]]) -> list[str]:
    """乙町's words and amounts in the page, and 乙町's rows among the choices of the page's form fields."""
    body = response.content.decode("utf-8", "replace") if not response.streaming else ""
    problems = [f"word {word!r}" for word in WORDS if word in body]
    problems += [f"amount {text}" for text in LEAK_TEXTS if text in body]
    for form in _forms_of(response):
        for name, form_field in form.fields.items():
            queryset = getattr(form_field, "queryset", None)
            if queryset is None or form_field.widget.is_hidden:
                continue  # a hidden field (an inline row's own id) offers no choice on the page
            others = b_pks.get(queryset.model, set())
            if others and queryset.filter(pk__in=others).exists():
                problems.append(f"field {name!r} offers 乙町's {queryset.model.__name__}")
    return problems


# ---------------------------------------------------------------------------------------------------------------
# The URLs: every registered model's add page, its change page for 甲市's row and for 乙町's, and its list; each plain,
# with one id-taking parameter set to 乙町's id, and with all of them at once.


def id_parameters(model: type[models.Model], books: Books) -> dict[str, int]:
    """The GET parameters that take an id on this model's pages, each set to the id of one of 乙町's rows."""
    wanted = dict(NAMED_PARAMETERS)
    for model_field in model._meta.get_fields():
        if model_field.concrete and model_field.is_relation and model_field.related_model is not None:
            wanted[model_field.name] = model_field.related_model
    return {name: books.b_rows[target].pk for name, target in wanted.items() if target in books.b_rows}


def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def crawl_urls(model: type[models.Model], books: Books) -> list[str]:
    """Every URL of the crawl for one registered model (add, change and history of both sides' rows, list)."""
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    pages = [_url(f"{prefix}_add")]
    for rows in (books.a_rows, books.b_rows):
        if model in rows:
            pages += [_url(f"{prefix}_change", rows[model].pk), _url(f"{prefix}_history", rows[model].pk)]
    parameters = id_parameters(model, books)
    urls = []
    for page in filter(None, pages):
        urls.append(page)
        urls += [f"{page}?{urlencode({name: pk})}" for name, pk in parameters.items()]
        urls.append(f"{page}?{urlencode(parameters)}")
    changelist = _url(f"{prefix}_changelist")
    if changelist:
        urls.append(changelist)
        urls += [f"{changelist}?{urlencode({f'{name}__id__exact': pk})}" for name, pk in parameters.items()]
    return urls


def _get(client: Client, url: str) -> Any:
    client.raise_request_exception = False  # a crash is reported as a 500, not as an error of the test
    return client.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize("model", APP_ADMINS, ids=[m._meta.model_name for m in APP_ADMINS])
@pytest.mark.parametrize("role", list(ROLES))
def test_admin_pages_show_nothing_of_another_organization(client: Client, books: Books, role: str, model: Any) -> None:
    client.force_login(getattr(books.a, ROLES[role]))
    problems = []
    for url in crawl_urls(model, books):
        response = _get(client, url)
        if response.status_code not in (200, 302, 400, 403, 404):
            problems.append(f"{url}: {response.status_code}")
        problems += [f"{url}: {leak}" for leak in page_leaks(response, books.b_pks)]
    assert not problems, f"{role} of 甲市 sees 乙町's books:\n" + "\n".join(problems)


def test_the_crawl_covers_every_registered_model_of_the_app() -> None:
    names = {model._meta.model_name for model in APP_ADMINS}
    assert {"commitment", "amendment", "contract", "payment", "segment", "importjob", "organization"} <= names
    assert {"reportsubscription", "reportdelivery", "user", "projectionyear"} <= names


# ---------------------------------------------------------------------------------------------------------------
# The tester's report, exactly, and the superuser control.


@pytest.mark.django_db
def test_reported_amendment_add_with_another_organizations_commitment(client: Client, books: Books) -> None:
    """As 甲市's officer, /admin/commitments/amendment/add/?commitment=<乙町's id> showed its 限度額, 負担年度 and
    契約締結期限 under the field; it shows nothing of it now, while 甲市's own commitment is still described."""
    other = books.b_rows[Commitment]
    client.force_login(books.a.officer)
    page = _get(client, f"/admin/commitments/amendment/add/?commitment={other.pk}")
    assert page.status_code == 200
    body = page.content.decode()
    assert "987,654,321千円" not in body and "現在：限度額" not in body
    assert not page_leaks(page, books.b_pks)

    own = books.a_rows[Commitment]
    body = _get(client, f"/admin/commitments/amendment/add/?commitment={own.pk}").content.decode()
    assert "現在：限度額 9,000千円" in body


CONTROL = {
    "/admin/commitments/amendment/add/?commitment={commitment}": "amount 987,654,321",
    "/admin/commitments/commitment/add/?segment={segment}": "field 'segment' offers 乙町's Segment",
    "/admin/commitments/contract/add/?commitment={commitment}": "field 'commitment' offers 乙町's Commitment",
    "/admin/commitments/commitment/{commitment}/change/": "word '乙町'",
    "/admin/commitments/reportsubscription/add/?organization={organization}": "offers 乙町's Organization",
}


@pytest.mark.django_db
def test_control_a_superuser_sees_the_other_organization_on_the_same_pages(client: Client, books: Books) -> None:
    """Superusers see every organization, on every page: the checks above would see a leak."""
    client.force_login(books.superuser)
    ids = {
        "commitment": books.b_rows[Commitment].pk,
        "segment": books.b_rows[Segment].pk,
        "organization": books.b.organization.pk,
    }
    for template, expected in CONTROL.items():
        url = template.format(**ids)
        response = _get(client, url)
        assert response.status_code == 200, url
        problems = page_leaks(response, books.b_pks)
        assert any(expected in problem for problem in problems), f"{url}: {expected!r} not seen in {problems}"
