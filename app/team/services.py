"""Inviting, promoting and offboarding members. Every change writes the event log."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app import events
from app.auth.passwords import hash_password
from app.auth.services import normalise_email
from app.extensions import db
from app.lib import tokens
from app.models import Invitation, Membership, Role, Tenant, User
from app.models.base import utcnow
from app.team import open_work

INVITATION_PURPOSE = "invitation"


class TeamError(Exception):
    """A rule was broken; the message is shown to the person as is."""


def members(tenant: Tenant, *, include_offboarded: bool = True) -> list[Membership]:
    stmt = (
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.tenant_id == tenant.id)
        .order_by(Membership.active.desc(), User.name)
    )
    if not include_offboarded:
        stmt = stmt.where(Membership.active.is_(True))
    return list(db.session.scalars(stmt))


def active_users(tenant_id: int) -> list[User]:
    """The people who work in the business now, by name: the possible assignees everywhere."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.tenant_id == tenant_id, Membership.active.is_(True))
            .order_by(User.name)
        )
    )


def is_active_member(tenant_id: int, user_id: int) -> bool:
    return (
        db.session.scalar(
            select(Membership.id).where(
                Membership.tenant_id == tenant_id, Membership.user_id == user_id, Membership.active.is_(True)
            )
        )
        is not None
    )


def pending_invitations(tenant: Tenant) -> list[Invitation]:
    stmt = (
        select(Invitation)
        .where(
            Invitation.tenant_id == tenant.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.created_at.desc())
    )
    return list(db.session.scalars(stmt))


def _owner_count(tenant_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            Membership.tenant_id == tenant_id, Membership.role == Role.OWNER.value, Membership.active.is_(True)
        )
    )


def invite(tenant: Tenant, actor: User, email: str, role: Role) -> Invitation:
    email = normalise_email(email)
    existing = db.session.scalar(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.tenant_id == tenant.id, User.email == email, Membership.active.is_(True))
    )
    if existing is not None:
        raise TeamError(_l("%(email)s is already a member of this business.", email=email))
    # A new invitation replaces an older pending one for the same address.
    for old in pending_invitations(tenant):
        if old.email == email:
            old.revoked_at = utcnow()
    invitation = Invitation(
        tenant_id=tenant.id,
        email=email,
        role=role.value,
        invited_by_id=actor.id,
        expires_at=utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    events.emit(
        tenant, events.MEMBER_INVITED, actor=actor, subject=invitation, data={"email": email, "role": role.value}
    )
    return invitation


def revoke_invitation(tenant: Tenant, actor: User, invitation: Invitation) -> None:
    if not invitation.is_pending:
        raise TeamError(_l("This invitation is no longer pending."))
    invitation.revoked_at = utcnow()
    events.emit(tenant, events.INVITATION_REVOKED, actor=actor, subject=invitation, data={"email": invitation.email})


def invitation_token(invitation: Invitation) -> str:
    return tokens.make(INVITATION_PURPOSE, {"i": invitation.id})


def invitation_from_token(token: str) -> Invitation | None:
    payload = tokens.read(INVITATION_PURPOSE, token, current_app.config["INVITATION_DAYS"] * 86400)
    if payload is None:
        return None
    invitation = db.session.get(Invitation, payload.get("i"))
    return invitation if invitation is not None and invitation.is_pending else None


def account_for(invitation: Invitation) -> User | None:
    return db.session.scalar(select(User).where(User.email == invitation.email))


def join_mode(invitation: Invitation, signed_in: User | None) -> str:
    """How the invited person proves who they are.

    "confirm": already signed in as the invited address; "password": an existing
    account confirms with its password; "new": a new account is created;
    "wrong_account": signed in as somebody else.
    """
    if signed_in is not None:
        return "confirm" if signed_in.email == invitation.email else "wrong_account"
    return "password" if account_for(invitation) is not None else "new"


def join(invitation: Invitation, mode: str, *, signed_in: User | None, name: str, password: str, ip: str) -> User:
    if mode == "confirm":
        return accept_invitation(invitation, user=signed_in)
    if mode == "password":
        from app.auth.services import authenticate

        result = authenticate(invitation.email, password, ip)
        if not result.ok:
            raise TeamError(_l("That is not the password of this account."))
        return accept_invitation(invitation, user=result.user)
    if mode == "new":
        return accept_invitation(invitation, user=None, name=name, password=password)
    raise TeamError(_l("This invitation was sent to %(email)s.", email=invitation.email))


def accept_invitation(invitation: Invitation, *, user: User | None, name: str = "", password: str = "") -> User:
    """Join the tenant: as the signed-in user, the existing account, or a new one."""
    if not invitation.is_pending:
        raise TeamError(_l("This invitation is no longer pending."))
    if user is None:
        user = db.session.scalar(select(User).where(User.email == invitation.email))
    if user is None:
        user = User(email=invitation.email, name=name.strip(), password_hash=hash_password(password))
        db.session.add(user)
        db.session.flush()
    elif user.email != invitation.email:
        raise TeamError(_l("This invitation was sent to %(email)s.", email=invitation.email))
    membership = db.session.scalar(
        select(Membership).where(Membership.tenant_id == invitation.tenant_id, Membership.user_id == user.id)
    )
    if membership is None:
        membership = Membership(tenant_id=invitation.tenant_id, user_id=user.id, role=invitation.role)
        db.session.add(membership)
    else:
        membership.active = True
        membership.offboarded_at = None
        membership.role = invitation.role
    invitation.accepted_at = utcnow()
    db.session.flush()
    events.emit(
        invitation.tenant_id,
        events.MEMBER_JOINED,
        actor=user,
        subject=membership,
        data={"user_id": user.id, "name": user.name, "role": invitation.role},
    )
    return user


def change_role(tenant: Tenant, actor: User, membership: Membership, role: Role) -> None:
    old = Role(membership.role)
    if old == role:
        return
    if not membership.active:
        raise TeamError(_l("This person no longer has access."))
    if old == Role.OWNER and _owner_count(tenant.id) <= 1:
        raise TeamError(_l("A business needs at least one owner. Make someone else owner first."))
    membership.role = role.value
    events.emit(
        tenant,
        events.MEMBER_ROLE_CHANGED,
        actor=actor,
        subject=membership,
        data={"user_id": membership.user_id, "name": membership.user.name, "from": old.value, "to": role.value},
    )


def offboard(tenant: Tenant, actor: User, membership: Membership, reassign_to: Membership | None) -> dict[str, int]:
    """Close the member's access at once and hand over their open work."""
    if not membership.active:
        raise TeamError(_l("This person no longer has access."))
    if membership.role == Role.OWNER.value and _owner_count(tenant.id) <= 1:
        raise TeamError(_l("A business needs at least one owner. Make someone else owner first."))
    if reassign_to is not None and (not reassign_to.active or reassign_to.id == membership.id):
        raise TeamError(_l("Choose an active colleague to take over the work."))
    if reassign_to is None and open_work.summary(tenant.id, membership.user_id):
        raise TeamError(_l("Choose who takes over this person's open work."))

    moved = open_work.reassign_all(tenant.id, membership.user_id, reassign_to.user_id if reassign_to else None)
    membership.active = False
    membership.offboarded_at = utcnow()
    user = membership.user
    still_member_elsewhere = db.session.scalar(
        select(func.count()).where(
            Membership.user_id == user.id, Membership.active.is_(True), Membership.id != membership.id
        )
    )
    if not still_member_elsewhere:
        # No business left: end every session and remember-me cookie now.
        user.rotate_session_token()
    events.emit(
        tenant,
        events.MEMBER_OFFBOARDED,
        actor=actor,
        subject=membership,
        data={
            "user_id": user.id,
            "name": user.name,
            "reassigned_to": reassign_to.user_id if reassign_to else None,
            "moved": moved,
        },
    )
    return moved
