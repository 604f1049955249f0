import hashlib

from django.conf import settings
from rest_framework import throttling

from prm.net import client_ip


class _SettingsRateMixin:
    """Rates come from settings.PRM_THROTTLE_RATES at request time (DRF binds its own at import).

    Every throttle keys anonymous callers on `prm.net.client_ip`, the address the trusted proxy count says is
    real: DRF's own `get_ident` would trust a made-up `X-Forwarded-For`, one new address per attempt.
    """

    def get_rate(self):
        return settings.PRM_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return client_ip(request)


def page_wait(throttle_class: type[throttling.BaseThrottle], request, view) -> int | None:
    """A page that shares an API limit asks it here: None while the request is allowed, else the whole seconds until
    it is (a minute when the throttle cannot tell), for the page's message and its `Retry-After`."""
    throttle = throttle_class()
    if throttle.allow_request(request, view):
        return None
    return int(throttle.wait() or 60)


class AnonThrottle(_SettingsRateMixin, throttling.AnonRateThrottle):
    scope = "anon"


class UserThrottle(_SettingsRateMixin, throttling.UserRateThrottle):
    scope = "user"


class LoginThrottle(_SettingsRateMixin, throttling.SimpleRateThrottle):
    """Sign-in attempts per client address, shared by the token endpoint and the login page."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ApplyThrottle(LoginThrottle):
    scope = "apply"


class PasswordResetThrottle(LoginThrottle):
    """Reset requests per client address: one address cannot mail the whole user list."""

    scope = "password_reset"


class PasswordResetEmailThrottle(_SettingsRateMixin, throttling.SimpleRateThrottle):
    """Reset emails per target address, whoever asks: nobody can fill one inbox with reset links."""

    scope = "password_reset_email"

    def get_cache_key(self, request, view):
        email = (request.POST.get("email") or "").strip().lower()
        if not email:
            return None
        # Hashed: a cache key of fixed length and characters whatever was typed.
        return self.cache_format % {"scope": self.scope, "ident": hashlib.sha256(email.encode()).hexdigest()}
