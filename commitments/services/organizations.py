"""Onboarding a public body without a shell: the organization with its default 事業区分 (一般会計), its segments and
funding sources, and its users with their roles. Superusers (and the command line, acting as the system user) only;
each step is recorded in the admin's log (LogEntry) with who did it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from commitments import fiscal
from commitments.models import FundingSource, Organization, Segment, User
from commitments.models.scoping import may_act_for
from commitments.roles import ROLE_PERMISSIONS, STAFF_ROLES, role_of
from commitments.services.errors import PermissionDeniedError, ServiceError
from commitments.services.lifecycle import SYSTEM_USERNAME

DEFAULT_SEGMENT = ("general", "一般会計")
GENERAL_SOURCE = "一般財源"
_CODE_RE = re.compile(r"[-a-zA-Z0-9_]{1,50}")


@dataclass(frozen=True)
class UserSpec:
    """A user to create with the organization: login name, role codes and e-mail."""

    username: str
    roles: tuple[str, ...]
    email: str = ""


def segment_spec_parse(text: str) -> tuple[str, str]:
    """「water:水道事業会計」 → ("water", "水道事業会計"); refuses a code that is not letters, digits, - or _."""
    code, sep, name = text.partition(":")
    if not sep:
        code, sep, name = text.partition("：")
    code, name = code.strip(), name.strip()
    if not sep or not name or not _CODE_RE.fullmatch(code):
        raise ServiceError(
            _("事業区分は「コード:名称」で指定してください（例：water:水道事業会計。コードは半角英数字と-_）: %(text)s")
            % {"text": text}
        )
    if len(name) > 100:
        raise ServiceError(_("事業区分の名称が長すぎます（100字まで）: %(text)s") % {"text": name})
    return code, name


def user_spec_parse(text: str) -> UserSpec:
    """「tanaka:finance_officer,approver」 or 「suzuki:監査:suzuki@example.jp」 → a UserSpec."""
    username, _sep, rest = text.partition(":")
    roles_text, _sep, email = rest.partition(":")
    roles = tuple(role_of(part) or part for part in re.split(r"[,、，]", roles_text) if part.strip())
    unknown = [role for role in roles if role not in ROLE_PERMISSIONS]
    if not username.strip() or not roles or unknown:
        raise ServiceError(
            _("利用者は「ログイン名:役割[,役割]」で指定してください（役割：%(roles)s）: %(text)s")
            % {"roles": "、".join(ROLE_PERMISSIONS), "text": text}
        )
    return UserSpec(username.strip(), roles, email.strip())


def _is_system(actor: User) -> bool:
    """The command line's actor: the inactive system user with no password (lifecycle.system_user)."""
    return actor.username == SYSTEM_USERNAME and not actor.is_active and not actor.has_usable_password()


def _may_onboard(actor: User) -> None:
    """Superusers, and the command line (the system user), create organizations."""
    if not (actor.is_superuser and actor.is_active) and not _is_system(actor):
        raise PermissionDeniedError(_("団体を登録できるのはシステム管理者だけです。"))


def _log(actor: User, objects: Sequence[object], flag: int, message: str) -> None:
    if objects:
        LogEntry.objects.log_actions(user_id=actor.pk, queryset=objects, action_flag=flag, change_message=message)


def _segments(segments: Sequence[tuple[str, str]]) -> list[tuple[str, str, bool]]:
    """The segments to create: 一般会計 (general) first as the default, unless one given is coded or named so."""
    codes = [code for code, _name in segments]
    names = [fiscal.normalize_text(name) for _code, name in segments]
    if len(set(codes)) != len(codes) or len(set(names)) != len(names):
        raise ServiceError(_("事業区分のコードまたは名称が重複しています。"))
    default_code, default_name = DEFAULT_SEGMENT
    given = next((code for code, name in segments if code == default_code or name == default_name), None)
    listed = [(code, name, code == given) for code, name in segments]
    return listed if given is not None else [(default_code, default_name, True), *listed]


@transaction.atomic
def organization_create(
    *,
    actor: User,
    name: str,
    short_name: str = "",
    segments: Sequence[tuple[str, str]] = (),
    funding_sources: Sequence[str] = (),
    users: Sequence[UserSpec] = (),
) -> Organization:
    """A new organization with its default segment 一般会計 and the given segments, funding sources and users."""
    _may_onboard(actor)
    name, short_name = name.strip(), short_name.strip()
    if not name or len(name) > 200 or len(short_name) > 50:
        raise ServiceError(_("団体名（200字まで）と略称（50字まで）を確かめてください。"))
    if Organization.objects.filter(name=name).exists():
        raise ServiceError(_("団体「%(name)s」は登録済です。") % {"name": name})
    organization = Organization.objects.create(name=name, short_name=short_name)
    created_segments = [
        Segment.objects.create(
            organization=organization, code=code, name=segment_name, sort_order=order, is_default=default
        )
        for order, (code, segment_name, default) in enumerate(_segments(segments), start=1)
    ]
    sources = [source.strip() for source in funding_sources if source.strip()]
    if len({fiscal.normalize_text(s) for s in sources}) != len(sources) or any(len(s) > 50 for s in sources):
        raise ServiceError(_("財源の名称が重複しているか、長すぎます（50字まで）。"))
    created_sources = [
        FundingSource.objects.create(
            organization=organization,
            name=source,
            is_general=fiscal.normalize_text(source) == GENERAL_SOURCE,
            sort_order=order,
        )
        for order, source in enumerate(sources, start=1)
    ]
    _log(actor, [organization], ADDITION, _("団体を登録"))
    _log(actor, created_segments, ADDITION, _("団体の登録とともに事業区分を登録"))
    _log(actor, created_sources, ADDITION, _("団体の登録とともに財源を登録"))
    for spec in users:
        user_create(actor=actor, organization=organization, username=spec.username, roles=spec.roles, email=spec.email)
    return organization


def _may_change(actor: User, perm: str, organization: Organization | None) -> None:
    """Superusers and the system user; otherwise the permission, for the actor's own organization only."""
    if _is_system(actor) or (actor.is_superuser and actor.is_active):
        return
    if not (actor.is_active and actor.has_perm(f"commitments.{perm}")):
        raise PermissionDeniedError()
    if organization is None or not may_act_for(actor, organization.pk):
        raise PermissionDeniedError(_("他の団体のデータは操作できません。"))


@transaction.atomic
def user_roles_set(*, actor: User, user: User, organization: Organization | None, roles: Sequence[str]) -> User:
    """Put a user in an organization with exactly these roles (other groups kept); officers and approvers are staff."""
    _may_change(actor, "change_user", organization)
    unknown = [role for role in roles if role not in ROLE_PERMISSIONS]
    if unknown:
        raise ServiceError(_("役割がありません: %(roles)s") % {"roles": "、".join(unknown)})
    if roles and organization is None and not user.is_superuser:
        raise ServiceError(_("役割のある利用者には団体を指定してください。"))
    before = sorted(user.groups.filter(name__in=ROLE_PERMISSIONS).values_list("name", flat=True))
    others = list(user.groups.exclude(name__in=ROLE_PERMISSIONS))
    groups = [Group.objects.get_or_create(name=role)[0] for role in roles]
    user.groups.set([*others, *groups])
    changed = user.organization_id != (organization.pk if organization else None) or before != sorted(roles)
    user.organization = organization
    if any(role in STAFF_ROLES for role in roles):
        user.is_staff = True
    user.save(update_fields=["organization", "is_staff"])
    if changed:
        _log(
            actor,
            [user],
            CHANGE,
            _("団体「%(organization)s」、役割 %(roles)s")
            % {"organization": organization or "—", "roles": "、".join(roles) or "—"},
        )
    return user


@transaction.atomic
def user_create(
    *,
    actor: User,
    organization: Organization,
    username: str,
    roles: Sequence[str],
    email: str = "",
    password: str | None = None,
) -> User:
    """A user of the organization with these roles (no password: set it with `manage.py changepassword`)."""
    _may_change(actor, "add_user", organization)
    if User.objects.filter(username=username).exists():
        raise ServiceError(_("ログイン名「%(username)s」は使われています。") % {"username": username})
    user = User.objects.create_user(username=username, email=email, password=password, organization=organization)
    _log(actor, [user], ADDITION, _("利用者を登録"))
    return user_roles_set(actor=actor, user=user, organization=organization, roles=roles)


@transaction.atomic
def segment_make_default(*, actor: User, segment: Segment) -> Segment:
    """Make this segment its organization's default (rows of a table without a 事業区分 column go there)."""
    _may_change(actor, "change_segment", segment.organization)
    Segment.objects.filter(organization_id=segment.organization_id, is_default=True).exclude(pk=segment.pk).update(
        is_default=False
    )
    Segment.objects.filter(pk=segment.pk).update(is_default=True)
    segment.is_default = True
    _log(actor, [segment], CHANGE, _("既定の事業区分に変更"))
    return segment
