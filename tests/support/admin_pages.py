"""Admin pages as the permission matrices drive them: who acts in each role, the forms a browser posts, and a
fingerprint of the books that a refused request must leave as they were."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import LogEntry
from django.db import connection

from commitments.models import (
    Amendment,
    Commitment,
    CommitmentEvent,
    Contract,
    Installment,
    Payment,
    PlannedAmount,
    ProjectionYear,
    Segment,
    User,
)
from tests.support.factories import Org


def role_user(o: Org, role: str, superuser: User) -> User | None:
    """The user who acts in a role of the matrices: officer2 is the finance officer (he does not approve)."""
    return {
        "anonymous": None,
        "finance_officer": o.officer2,
        "approver": o.approver,
        "auditor": o.auditor,
        "management": o.manager,
        "superuser": superuser,
    }[role]


# Everything a refused request must leave as it was: these tables row by row, the audit trails by their size.
_ROWS = [m._meta.db_table for m in (Commitment, PlannedAmount, Contract, Installment, Payment, Amendment, Segment)]
_ROWS.append(ProjectionYear._meta.db_table)
_COUNTS = [CommitmentEvent._meta.db_table, LogEntry._meta.db_table] + [
    m.history.model._meta.db_table for m in (Commitment, PlannedAmount, Contract, Installment, Payment, Amendment)
]
_FINGERPRINT_SQL = "SELECT json_build_object({})".format(
    ", ".join(
        [f"'{t}', (SELECT coalesce(json_agg(r ORDER BY r.id), '[]') FROM {t} r)" for t in _ROWS]
        + [f"'{t}', (SELECT count(*) FROM {t})" for t in _COUNTS]
    )
)


def fingerprint() -> dict[str, Any]:
    """The state of the tables above, read in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_FINGERPRINT_SQL)
        return cursor.fetchone()[0]


def fingerprint_diff(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What changed, table by table: rows added, removed, or their changed columns; counts as a -> b."""
    parts = []
    for table, old in before.items():
        new = after[table]
        if old == new:
            continue
        if not isinstance(old, list):
            parts.append(f"{table}: {old} -> {new} rows")
            continue
        old_rows, new_rows = {r["id"]: r for r in old}, {r["id"]: r for r in new}
        for pk in sorted(old_rows.keys() | new_rows.keys()):
            a, b = old_rows.get(pk), new_rows.get(pk)
            if a is None or b is None:
                parts.append(f"{table} #{pk} {'added' if a is None else 'removed'}")
            elif a != b:
                cols = {k: (a[k], b[k]) for k in a if a[k] != b[k] and k not in ("updated_at",)}
                parts.append(f"{table} #{pk} {cols}")
    return "; ".join(parts)


def commitment_form(c: Commitment, **changes: Any) -> dict[str, Any]:
    """The change form of a commitment as a browser posts it (inline formsets empty unless given)."""
    data = {
        "organization": c.organization_id,
        "segment": c.segment_id,
        "kind": c.kind,
        "seq": c.seq or "",
        "matter": c.matter,
        "limit_amount": str(c.limit_yen),
        "limit_unit": "円",
        "limit_text": c.limit_text,
        "estimated_limit_yen": "",
        "authorized_fy": str(c.authorized_fy),
        "first_burden_fy": str(c.first_burden_fy),
        "last_burden_fy": str(c.last_burden_fy),
        "spread_rule": c.spread_rule,
        "spread_start_month": "",
        "spread_months": "",
        "expected_version": c.version,
    }
    for prefix in ("planned_amounts", "events", "contracts", "amendments"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | changes


def contract_form(k: Contract | None, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "contract_no": k.contract_no if k else "C-002",
        "counterparty": k.counterparty if k else "株式会社追加",
        "signed_on": "2017-08-01" if k is None else k.signed_on.isoformat(),
        "start_on": "2017-09-01" if k is None else k.start_on.isoformat(),
        "end_on": "2018-03-31" if k is None else k.end_on.isoformat(),
        "amount_yen": "1000000" if k is None else str(k.amount_yen),
        "payment_terms": "lump_sum" if k is None else k.payment_terms,
        "note": "",
        "expected_version": k.version if k else "",
    }
    if k is not None:
        data["change_reason"] = "権限試験の変更契約"
    for prefix in ("installments", "payments"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | changes
