"""Every write to users and API keys."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token

from prm.errors import Conflict, NotPermitted
from prm.events.services import event_emit
from prm.notify import send_after_commit
from prm.permissions import require_perm
from prm.services import apply_changes, service, validate_and_save

from .models import ApiKey, User
from .roles import PARTNER_ROLES

logger = logging.getLogger(__name__)

EMAIL_TAKEN = "A user with this email already exists."


def _check_role_grant(actor: User, role: str, partner_id: int | None) -> None:
    """The map says who manages users at all (program admins, partner admins); a partner's admin then manages
    only its own organization's users, in the partner roles (tenancy, not a role comparison)."""
    require_perm(actor, "user.manage", "Your role cannot manage users.")
    if actor.partner_id is None:  # the vendor's side: any role, any organization
        return
    if role not in PARTNER_ROLES:
        raise ValidationError({"role": "You can only give the partner_admin or partner_rep role."})
    if partner_id != actor.partner_id:
        raise ValidationError({"partner": "You can only manage users of your own organization."})


@service
def user_create(
    *,
    actor: User | None,
    email: str,
    role: str,
    partner=None,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    title: str = "",
    send_invitation: bool = True,
) -> User:
    """Create a user. Without a password the user is invited: an email with a link to set one."""
    if actor is not None:
        _check_role_grant(actor, role, partner.pk if partner else None)
    email = User.objects.normalize_email(email).strip()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": EMAIL_TAKEN})
    user = User(
        username=email.lower(),
        email=email,
        role=role,
        partner=partner,
        first_name=first_name,
        last_name=last_name,
        title=title,
    )
    if password:
        validate_password_for(user, password)
        user.set_password(password)
    else:
        user.set_unusable_password()
        user.invited_at = timezone.now()
    validate_and_save(user, unique_message={"email": EMAIL_TAKEN})
    event_emit(name="user.created", instance=user, actor=actor, payload={"email": user.email, "role": user.role})
    if not password and send_invitation:
        _send_invitation(user, invited_by=actor)
    return user


def validate_password_for(user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def invitation_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


def _send_invitation(user: User, *, invited_by: User | None) -> None:
    org = user.partner.name if user.partner else settings.PRM_PROGRAM_NAME
    inviter = invited_by.display_name if invited_by else "The partner team"
    send_after_commit(
        [
            (
                f"You are invited to the {settings.PRM_PROGRAM_NAME} portal",
                f"{inviter} invited you to join {org} on the {settings.PRM_PROGRAM_NAME} portal.\n\n"
                f"Set your password here to sign in: {invitation_link(user)}\n\n"
                f"Your sign-in is your email address: {user.email}\n",
                [user.email],
            )
        ]
    )


@service
def user_update(*, actor: User, user: User, data: dict[str, Any]) -> User:
    data = {k: v for k, v in data.items() if k in {"first_name", "last_name", "title", "role"}}
    if "role" in data and data["role"] != user.role:
        _check_role_grant(actor, data["role"], user.partner_id)
        if user.pk == actor.pk:
            raise Conflict("You cannot change your own role.")
    changed = apply_changes(user, data)
    if changed:
        validate_and_save(user)
        event_emit(name="user.updated", instance=user, actor=actor, payload={"changed": changed})
    return user


@service
def user_deactivate(*, actor: User, user: User) -> User:
    _check_role_grant(actor, user.role, user.partner_id)
    if user.pk == actor.pk:
        raise Conflict("You cannot deactivate yourself.")
    if not user.is_active:
        raise Conflict("This user is already deactivated.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    # A deactivated user's credentials stop working at once, not at their next expiry.
    Token.objects.filter(user=user).delete()
    user.api_keys.filter(revoked=False).update(revoked=True)
    event_emit(name="user.deactivated", instance=user, actor=actor, payload={"email": user.email})
    return user


@service
def user_reactivate(*, actor: User, user: User) -> User:
    _check_role_grant(actor, user.role, user.partner_id)
    if user.is_active:
        raise Conflict("This user is already active.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    event_emit(name="user.reactivated", instance=user, actor=actor, payload={"email": user.email})
    return user


@service
def api_key_create(*, actor: User, name: str, read_only: bool = True) -> tuple[ApiKey, str]:
    """Returns the key and its secret, which is shown once and stored only as a hash."""
    if not name or not name.strip():
        raise ValidationError({"name": "Give the key a name, e.g. the system that will use it."})
    api_key, secret = ApiKey.objects.create_key(name=name.strip(), owner=actor, read_only=read_only)
    event_emit(
        name="api_key.created",
        instance=api_key,
        actor=actor,
        partner_id=actor.partner_id,
        aggregate_id=api_key.prefix,
        payload={"name": api_key.name, "prefix": api_key.prefix, "read_only": read_only},
    )
    return api_key, secret


@service
def api_key_revoke(*, actor: User, api_key: ApiKey) -> ApiKey:
    if api_key.revoked:
        raise Conflict("This API key is already revoked.")
    api_key.revoked = True
    api_key.save(update_fields=["revoked"])
    event_emit(
        name="api_key.revoked",
        instance=api_key,
        actor=actor,
        partner_id=api_key.owner.partner_id,
        aggregate_id=api_key.prefix,
        payload={"prefix": api_key.prefix},
    )
    return api_key


@service
def token_issue(*, user: User) -> Token:
    """The user's API token, a new one when the old one has expired (tokens live `PRM_TOKEN_TTL_HOURS`)."""
    from prm.api.authentication import token_expires_at

    token = Token.objects.filter(user=user).first()
    if token is not None and timezone.now() >= token_expires_at(token):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
    return token


@service
def token_revoke(*, actor: User, token: Token) -> None:
    """A user ends their own API token (e.g. a script they no longer run); the next sign-in issues a new one."""
    if token.user_id != actor.pk:
        raise NotPermitted("You can only revoke your own token.")
    token.delete()
    logger.info("token.revoked", extra={"user_id": actor.pk})
