"""The four roles as data, and the idempotent function that creates them (used by migration 0002)."""

from __future__ import annotations

from typing import Any

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "finance_officer": [
        "view_commitment",
        "add_commitment",
        "change_commitment",
        "delete_commitment",
        "submit_commitment",
        "view_exposure",
        "view_segment",
        "view_projectionyear",
        "view_commitmentevent",
        "view_historicalcommitment",
    ],
    "approver": [
        "view_commitment",
        "approve_commitment",
        "view_exposure",
        "view_segment",
        "view_projectionyear",
        "view_commitmentevent",
        "view_historicalcommitment",
    ],
    "auditor": [
        "view_commitment",
        "view_exposure",
        "view_segment",
        "view_projectionyear",
        "view_commitmentevent",
        "view_historicalcommitment",
        "view_reportdelivery",
        "view_organization",
    ],
    "management": ["view_exposure"],
}


def roles_ensure(apps: Any) -> None:
    """Create the permissions and the role groups with exactly their permissions (idempotent)."""
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
        if missing:
            raise RuntimeError(f"permissions missing for {role}: {sorted(missing)}")
        group.permissions.set(perms)
