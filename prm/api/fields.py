from django_countries.serializer_fields import CountryField as _CountryField
from rest_framework import serializers

from prm import tenancy
from prm.audience import unpack_codes


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


#: The largest id a bigint primary key holds (PostgreSQL and SQLite both store 64-bit integers).
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    """An object id in a request body: a positive 64-bit integer, so a bigger number is a 400 with a message, never
    an OverflowError from the database driver (a 500)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class CodeListField(serializers.MultipleChoiceField):
    """A list of codes from `choices` (partner types, countries, regions, ...), in and out: sorted and without
    repeats (DRF's own field speaks sets). Reads a list, or codes stored packed (",a,b,", prm.audience) on the
    model. The schema is an array of the choices' enum."""

    def to_internal_value(self, data):
        return sorted(super().to_internal_value(data))

    def to_representation(self, value):
        if isinstance(value, str):
            value = unpack_codes(value)
        return sorted(super().to_representation(value))
