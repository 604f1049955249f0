from django_countries.serializer_fields import CountryField as _CountryField
from rest_framework import serializers

from prm import tenancy


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id from a request body, looked up only among the rows the caller may see: somebody else's
    row reads as "does not exist", exactly like a missing one."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        return tenancy.scope(queryset, getattr(request, "user", None))


class CountryField(_CountryField):
    """A country as its ISO code or English name. Anything but a string (`[]`, `{}`, `0`, `false`) is a 400 like
    every other wrong type: django-countries reads a falsy value as "no country" and would store it blank."""

    default_error_messages = {"invalid_type": 'Expected a country code as a string, e.g. "DE".'}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_type")
        return super().to_internal_value(data)
