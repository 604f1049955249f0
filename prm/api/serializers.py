from rest_framework import serializers


class AuditEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    timestamp = serializers.DateTimeField()
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_label = serializers.CharField()
    object_id = serializers.CharField()
    object_repr = serializers.CharField()
    actor = serializers.EmailField(allow_null=True)
    changes = serializers.DictField()
