from rest_framework import serializers

from partners.models import Partner
from prm.api.fields import ScopedPrimaryKeyRelatedField

from .models import ApiKey, User
from .roles import Role


class UserSerializer(serializers.ModelSerializer):
    partner = ScopedPrimaryKeyRelatedField(queryset=Partner.objects.all(), allow_null=True, required=False)
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=128,
        style={"input_type": "password"},
        help_text="Leave out to send the user an invitation email with a link to set a password.",
    )
    role = serializers.ChoiceField(choices=Role.choices)
    email = serializers.EmailField(max_length=254)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "title",
            "role",
            "partner",
            "password",
            "is_active",
            "invited_at",
            "last_login",
            "date_joined",
        ]
        read_only_fields = ["is_active", "invited_at", "last_login", "date_joined"]

    def validate(self, attrs):
        role = attrs.get("role", getattr(self.instance, "role", None))
        partner = attrs.get("partner", getattr(self.instance, "partner", None))
        if self.instance is None:
            if role in (Role.PARTNER_ADMIN, Role.PARTNER_REP) and partner is None:
                raise serializers.ValidationError({"partner": "A partner user must belong to a partner organization."})
            if role in (Role.PROGRAM_ADMIN, Role.PARTNER_MANAGER, Role.FINANCE) and partner is not None:
                raise serializers.ValidationError({"partner": "Vendor staff do not belong to a partner organization."})
        return attrs


class UserUpdateSerializer(UserSerializer):
    class Meta(UserSerializer.Meta):
        read_only_fields = [*UserSerializer.Meta.read_only_fields, "email", "partner", "password"]


class MeSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "role", "partner"]

    def get_role(self, user: User) -> str:
        from prm.permissions import role_of

        return role_of(user)


class ApiKeySerializer(serializers.ModelSerializer):
    owner = serializers.EmailField(source="owner.email", read_only=True)
    name = serializers.CharField(max_length=50)
    read_only = serializers.BooleanField(default=True)

    class Meta:
        model = ApiKey
        fields = ["prefix", "name", "read_only", "owner", "created", "last_used_at", "revoked"]
        read_only_fields = ["prefix", "created", "last_used_at", "revoked"]


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="Shown once; only a hash is stored.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="Your email address.")
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
