from django.conf import settings
from rest_framework import throttling


class _SettingsRateMixin:
    """Rates come from settings.PRM_THROTTLE_RATES at request time (DRF binds its own at import)."""

    def get_rate(self):
        return settings.PRM_THROTTLE_RATES.get(self.scope)


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
