from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from prm.accounts.models import ApiKey


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`: an integrator's key acting as its owner (read-only keys can only read)."""

    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid API key header: expected 'Api-Key <key>'.")
        try:
            key = header[1].decode()
            api_key = ApiKey.objects.get_from_key(key)
        except (ApiKey.DoesNotExist, UnicodeError):
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.") from None
        if api_key.has_expired or not api_key.owner.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        # At most one write a minute per key: "last used" is for people, not an audit log.
        now = timezone.now()
        if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return api_key.owner, api_key

    def authenticate_header(self, request):
        return self.keyword


def token_expires_at(token):
    """When a token stops working: `PRM_TOKEN_TTL_HOURS` after it was issued."""
    return token.created + timedelta(hours=settings.PRM_TOKEN_TTL_HOURS)


class ExpiringTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <token>` that stops working `PRM_TOKEN_TTL_HOURS` after it was issued.

    A token that leaks (a log, a laptop) is not a key for life; an expired one is deleted, so signing in again at
    `POST /api/v1/auth/token/` issues a fresh one.
    """

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if timezone.now() >= token_expires_at(token):
            token.delete()
            raise exceptions.AuthenticationFailed("Token expired. Get a new one from POST /api/v1/auth/token/.")
        return user, token


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "prm.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>` from POST /api/v1/api-keys/",
        }
