"""Test data builders: an organization with segments and one user per role."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group

from commitments.models import Organization, Segment, User


@dataclass
class Org:
    """An organization with its segments and role users."""

    organization: Organization
    segment: Segment
    other_segment: Segment
    officer: User
    officer2: User
    approver: User
    auditor: User
    manager: User


def make_user(username: str, organization: Organization, *groups: str, staff: bool = False, email: str = "") -> User:
    user = User.objects.create_user(
        username=username,
        password="pw-" + username,
        organization=organization,
        is_staff=staff,
        email=email or f"{username}@example.jp",
    )
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


def make_org(name: str = "テスト市", prefix: str = "") -> Org:
    organization = Organization.objects.create(name=name)
    segment = Segment.objects.create(organization=organization, code="general", name="一般会計", sort_order=1)
    other = Segment.objects.create(organization=organization, code="water", name="水道事業", sort_order=2)
    return Org(
        organization=organization,
        segment=segment,
        other_segment=other,
        officer=make_user(f"{prefix}officer", organization, "finance_officer", "approver", staff=True),
        officer2=make_user(f"{prefix}officer2", organization, "finance_officer", staff=True),
        approver=make_user(f"{prefix}approver", organization, "approver", staff=True),
        auditor=make_user(f"{prefix}auditor", organization, "auditor"),
        manager=make_user(f"{prefix}manager", organization, "management"),
    )
