"""The four roles as data, and the idempotent function that creates them (used by migrations and load_demo)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

_READ_ALL = [
    "view_commitment",
    "view_plannedamount",
    "view_contract",
    "view_installment",
    "view_payment",
    "view_amendment",
    "view_commitmentevent",
    "view_segment",
    "view_projectionyear",
    "view_exposure",
    "view_fundingsource",
    "view_commitmentfunding",
    "view_fiscalframe",
    "view_kindclassification",
]
_HISTORY = [
    "view_historicalcommitment",
    "view_historicalplannedamount",
    "view_historicalcontract",
    "view_historicalinstallment",
    "view_historicalpayment",
    "view_historicalamendment",
    "view_historicalcommitmentfunding",
    "view_historicalfiscalframe",
    "view_historicalkindclassification",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "finance_officer": [
        *_READ_ALL,
        *_HISTORY,
        "add_commitment",
        "change_commitment",
        "delete_commitment",
        "submit_commitment",
        "add_plannedamount",
        "change_plannedamount",
        "delete_plannedamount",
        "add_contract",
        "change_contract",
        "add_installment",
        "change_installment",
        "add_payment",
        "add_amendment",
        "change_amendment",
        "delete_amendment",
        "submit_amendment",
        "add_commitmentfunding",
        "change_commitmentfunding",
        "delete_commitmentfunding",
        "view_reportsubscription",
        "add_reportsubscription",
        "change_reportsubscription",
        "delete_reportsubscription",
        "send_reportsubscription",
        "view_reportdelivery",
        "add_fiscalframe",
        "change_fiscalframe",
        "delete_fiscalframe",
        "submit_fiscalframe",
        "add_kindclassification",
        "change_kindclassification",
        "delete_kindclassification",
    ],
    "approver": [
        *_READ_ALL,
        *_HISTORY,
        "approve_commitment",
        "approve_amendment",
        "approve_fiscalframe",
        "close_fiscal_year",
        "view_fiscalyearclose",
        "view_commitmentreopening",
    ],
    "auditor": [*_READ_ALL, *_HISTORY, "view_reportdelivery", "view_reportsubscription", "view_organization"],
    "management": ["view_exposure"],
}


# The roles as people name them (the role groups are named by their codes above).
ROLE_LABELS: dict[str, Any] = {
    "finance_officer": gettext_lazy("財務担当"),
    "approver": gettext_lazy("承認者"),
    "auditor": gettext_lazy("監査"),
    "management": gettext_lazy("経営層"),
}
_TYPED_NAMES = {"財務担当": "finance_officer", "承認者": "approver", "監査": "auditor", "経営層": "management"}
STAFF_ROLES = frozenset({"finance_officer", "approver"})  # roles that work in the admin (staff status)


def role_of(text: str) -> str | None:
    """The role code of a code or a Japanese name as typed (「approver」, 「承認者」); None when it names no role."""
    name = "".join(text.split())
    return name if name in ROLE_PERMISSIONS else _TYPED_NAMES.get(name)


def roles_ensure(apps: Any, *, strict: bool = True) -> None:
    """Create the permissions and the role groups with exactly their permissions (idempotent).

    Migrations pass strict=False: an early migration runs before later models (and their permissions) exist.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        perms = list(permission_model.objects.filter(content_type__app_label="commitments", codename__in=codenames))
        missing = set(codenames) - {p.codename for p in perms}
        if missing and strict:
            raise RuntimeError(f"permissions missing for {role}: {sorted(missing)}")
        group.permissions.set(perms)
