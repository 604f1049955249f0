from rest_framework import serializers


class ChoiceListField(serializers.MultipleChoiceField):
    """A list of choices in and out, sorted and without repeats (DRF's own field speaks sets)."""

    def to_internal_value(self, data):
        return sorted(super().to_internal_value(data))

    def to_representation(self, value):
        return sorted(super().to_representation(value))
