from rest_framework import serializers

from prm import tenancy


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id from a request body, looked up only among the rows the caller may see: somebody else's
    row reads as "does not exist", exactly like a missing one."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        return tenancy.scope(queryset, getattr(request, "user", None))
