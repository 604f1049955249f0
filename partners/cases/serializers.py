"""Validation of cases and their messages: the API and the pages use these alike."""

from django.utils import timezone
from rest_framework import serializers

from prm.accounts.models import User
from prm.api.fields import ScopedPrimaryKeyRelatedField

from ..models import Case, CaseMessage, Partner
from .filters import case_staff


class _StaffField(ScopedPrimaryKeyRelatedField):
    """A staff user's id; partner users see no staff through tenancy, so for them any id "does not exist"."""

    def get_queryset(self):
        return case_staff(getattr(self.context.get("request"), "user", None))


def _deal_queryset():
    from deals.models import Deal

    return Deal.objects.all()


class CaseSerializer(serializers.ModelSerializer):
    """`partner` is the caller's organization for partner users (leave it out); staff name it. `deal` must be
    one of that partner's registrations. `owner` (staff only) defaults to the partner's channel manager."""

    partner = ScopedPrimaryKeyRelatedField(queryset=Partner.objects.all(), required=False)
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    deal = ScopedPrimaryKeyRelatedField(queryset=_deal_queryset(), required=False, allow_null=True)
    owner = _StaffField(queryset=User.objects.all(), required=False, allow_null=True)
    owner_name = serializers.SerializerMethodField()
    opened_by_name = serializers.SerializerMethodField()
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000)
    is_overdue = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "kind",
            "subject",
            "description",
            "status",
            "partner",
            "partner_name",
            "deal",
            "owner",
            "owner_name",
            "opened_by",
            "opened_by_name",
            "due_at",
            "is_overdue",
            "sla",
            "allowed_transitions",
            "resolution",
            "resolved_by",
            "resolved_at",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "opened_by",
            "due_at",
            "resolution",
            "resolved_by",
            "resolved_at",
            "closed_at",
            "created_at",
            "updated_at",
        ]

    def get_owner_name(self, obj) -> str | None:
        return obj.owner.display_name if obj.owner_id else None

    def get_opened_by_name(self, obj) -> str | None:
        return obj.opened_by.display_name if obj.opened_by_id else None

    def get_is_overdue(self, obj) -> bool:
        """Still open or in review after `due_at`."""
        return obj.is_overdue

    def get_sla(self, obj) -> str:
        """ok, due (today), overdue or done."""
        return obj.sla(now=self.context.get("now") or timezone.now())["state"]

    def get_allowed_transitions(self, obj) -> list[str]:
        """The statuses the case may move to next (whether the caller may move it is the role's business)."""
        return sorted(obj.allowed_transitions())


class CaseMessageSerializer(serializers.ModelSerializer):
    body = serializers.CharField(max_length=5000)
    internal = serializers.BooleanField(
        required=False, default=False, help_text="A staff-only note; partners never see it (staff only)."
    )
    author_name = serializers.SerializerMethodField()
    from_vendor = serializers.SerializerMethodField()

    class Meta:
        model = CaseMessage
        fields = ["id", "body", "internal", "author", "author_name", "from_vendor", "created_at"]
        read_only_fields = ["author", "created_at"]

    def get_author_name(self, obj) -> str | None:
        return obj.author.display_name if obj.author_id else None

    def get_from_vendor(self, obj) -> bool:
        """Written by the vendor's staff (else by the partner's users)."""
        return obj.author_id is not None and obj.author.partner_id is None


class ResolutionSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=5000, help_text="The decision; the partner sees it.")


class CloseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AssignSerializer(serializers.Serializer):
    owner = _StaffField(queryset=User.objects.all())
