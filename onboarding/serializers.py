"""Validation and shapes of onboarding and enablement data: used by the API and by the pages alike."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django_countries import countries
from rest_framework import serializers

from partners.models import PartnerType, Tier
from prm.api.fields import CodeListField, IdField, ScopedPrimaryKeyRelatedField
from prm.permissions import has_perm

from .models import (
    Certification,
    Course,
    CourseModule,
    Enrollment,
    ModuleKind,
    OnboardingPlan,
    OnboardingStep,
    OnboardingTemplate,
    OnboardingTemplateStep,
    QuizQuestion,
    Resource,
    ResourceCategory,
    ResourceVersion,
    StepOwner,
)


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class AudienceSerializerMixin(serializers.Serializer):
    audience_tiers = ScopedPrimaryKeyRelatedField(
        queryset=Tier.objects.all(), many=True, required=False, help_text="Empty: every tier."
    )
    audience_partner_types = CodeListField(choices=PartnerType.choices, required=False, help_text="Empty: every type.")
    audience_countries = CodeListField(
        choices=list(countries),
        required=False,
        help_text="ISO country codes; empty: every country.",
    )


# --- onboarding ----------------------------------------------------------------------------------------------


class OnboardingTemplateStepSerializer(serializers.ModelSerializer):
    template = ScopedPrimaryKeyRelatedField(queryset=OnboardingTemplate.objects.all())
    required_course = ScopedPrimaryKeyRelatedField(queryset=Course.objects.all(), allow_null=True, required=False)

    class Meta:
        model = OnboardingTemplateStep
        fields = [
            "id",
            "template",
            "order",
            "title",
            "description",
            "owner",
            "due_offset_days",
            "required_course",
            "requires_document",
        ]
        extra_kwargs = {"order": {"required": False}}

    def validate(self, attrs):
        owner = attrs.get("owner", getattr(self.instance, "owner", StepOwner.PARTNER))
        course = attrs.get("required_course", getattr(self.instance, "required_course", None))
        document = attrs.get("requires_document", getattr(self.instance, "requires_document", False))
        if owner == StepOwner.VENDOR and (course or document):
            raise serializers.ValidationError(
                {"owner": "A course or a document is something the partner provides: make it a partner step."}
            )
        return attrs


class OnboardingTemplateSerializer(serializers.ModelSerializer):
    steps = OnboardingTemplateStepSerializer(many=True, read_only=True)

    class Meta:
        model = OnboardingTemplate
        fields = ["id", "name", "partner_type", "description", "steps", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators = []  # the service owns "one template per type", with a field message


class OnboardingStepSerializer(serializers.ModelSerializer):
    partner = serializers.IntegerField(source="plan.partner_id", read_only=True)
    kind = serializers.CharField(read_only=True, help_text="task, course or document")
    # A plain string, not an enum: "status" is a choice set in many apps and the schema's enum names collide.
    status = serializers.CharField(read_only=True, help_text="open or done")
    is_overdue = serializers.BooleanField(read_only=True)
    required_course_title = serializers.CharField(source="required_course.title", read_only=True, default=None)
    completed_by_name = serializers.CharField(source="completed_by.display_name", read_only=True, default=None)
    document_url = serializers.SerializerMethodField()
    plan_progress_percent = serializers.IntegerField(source="plan.progress_percent", read_only=True)

    class Meta:
        model = OnboardingStep
        fields = [
            "id",
            "plan",
            "partner",
            "order",
            "title",
            "description",
            "owner",
            "kind",
            "due_on",
            "is_overdue",
            "status",
            "required_course",
            "required_course_title",
            "requires_document",
            "document_name",
            "document_url",
            "completed_by",
            "completed_by_name",
            "completed_at",
            "plan_progress_percent",
        ]
        read_only_fields = fields

    def get_document_url(self, step) -> str | None:
        if not step.document:
            return None
        return reverse("onboardingstep-document", args=[step.pk])


class OnboardingStepCompleteSerializer(serializers.Serializer):
    document = serializers.FileField(required=False, allow_empty_file=True, help_text="For a document step.")


class OnboardingPlanSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    partner_status = serializers.CharField(source="partner.status", read_only=True)
    steps_total = serializers.SerializerMethodField()
    steps_done = serializers.SerializerMethodField()
    overdue_steps = serializers.SerializerMethodField()
    steps = OnboardingStepSerializer(many=True, read_only=True)

    class Meta:
        model = OnboardingPlan
        fields = [
            "id",
            "partner",
            "partner_name",
            "partner_status",
            "template",
            "started_on",
            "progress_percent",
            "steps_total",
            "steps_done",
            "overdue_steps",
            "completed_at",
            "last_progress_at",
            "stuck_since",
            "steps",
        ]
        read_only_fields = fields

    # From the prefetched steps: no query per plan.
    def get_steps_total(self, plan) -> int:
        return len(plan.steps.all())

    def get_steps_done(self, plan) -> int:
        return sum(1 for s in plan.steps.all() if s.is_done)

    def get_overdue_steps(self, plan) -> int:
        today = timezone.localdate()
        return sum(1 for s in plan.steps.all() if s.status == "open" and s.due_on < today)


# --- courses -------------------------------------------------------------------------------------------------


class CourseModuleSerializer(serializers.ModelSerializer):
    course = ScopedPrimaryKeyRelatedField(queryset=Course.objects.all())
    file = serializers.FileField(write_only=True, required=False, help_text="For a file module.")
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = CourseModule
        fields = ["id", "course", "order", "title", "kind", "body", "url", "file", "file_name", "file_url"]
        read_only_fields = ["file_name"]
        extra_kwargs = {"order": {"required": False}}

    def get_file_url(self, module) -> str | None:
        return reverse("coursemodule-file", args=[module.pk]) if module.file else None

    def validate(self, attrs):
        kind = attrs.get("kind", getattr(self.instance, "kind", ModuleKind.TEXT))
        if kind == ModuleKind.TEXT and not (attrs.get("body") or getattr(self.instance, "body", "")).strip():
            raise serializers.ValidationError({"body": "A text module needs some text."})
        if kind == ModuleKind.LINK and not (attrs.get("url") or getattr(self.instance, "url", "")):
            raise serializers.ValidationError({"url": "A link module needs a URL."})
        if kind == ModuleKind.FILE and not (attrs.get("file") or getattr(self.instance, "file", None)):
            raise serializers.ValidationError({"file": "A file module needs a file."})
        return attrs


class QuizChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(max_length=300)
    is_correct = serializers.BooleanField(default=False)


class QuizQuestionSerializer(serializers.ModelSerializer):
    """Partners get the question and its choices; only course managers get `is_correct`."""

    course = ScopedPrimaryKeyRelatedField(queryset=Course.objects.all())
    choices = QuizChoiceSerializer(many=True)

    class Meta:
        model = QuizQuestion
        fields = ["id", "course", "order", "text", "choices"]
        extra_kwargs = {"order": {"required": False}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not has_perm(_user(self), "course.manage"):
            for choice in data["choices"]:
                choice.pop("is_correct", None)
        return data


class CourseSerializer(AudienceSerializerMixin, serializers.ModelSerializer):
    modules = CourseModuleSerializer(many=True, read_only=True)
    questions = QuizQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Course
        fields = [
            "id",
            "title",
            "description",
            "pass_mark_percent",
            "validity_months",
            "published",
            "audience_tiers",
            "audience_partner_types",
            "audience_countries",
            "modules",
            "questions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class CertificationSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.display_name", read_only=True)
    course_title = serializers.CharField(source="course.title", read_only=True)
    active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Certification
        fields = [
            "id",
            "user",
            "user_name",
            "partner",
            "course",
            "course_title",
            "issued_on",
            "expires_on",
            "active",
            "score",
        ]
        read_only_fields = fields


class EnrollmentSerializer(serializers.ModelSerializer):
    course_title = serializers.CharField(source="course.title", read_only=True)

    class Meta:
        model = Enrollment
        fields = ["id", "user", "partner", "course", "course_title", "enrolled_at", "completed_at", "best_score"]
        read_only_fields = fields


class AttemptSerializer(serializers.Serializer):
    answers = serializers.DictField(child=IdField(), allow_empty=True, help_text="{question id: chosen choice id}")


class AttemptResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.IntegerField(source="course_id")
    score = serializers.IntegerField()
    passed = serializers.BooleanField()
    pass_mark_percent = serializers.IntegerField(source="course.pass_mark_percent")
    certification = CertificationSerializer(allow_null=True)


# --- resources -----------------------------------------------------------------------------------------------


class ResourceVersionSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)

    class Meta:
        model = ResourceVersion
        fields = ["number", "kind", "file_name", "url", "note", "created_at"]
        read_only_fields = fields


class ResourceSerializer(AudienceSerializerMixin, serializers.ModelSerializer):
    """A resource with its latest version. `file` or `url` on create (or on update) makes a new version."""

    category = serializers.ChoiceField(choices=ResourceCategory.choices)
    file = serializers.FileField(write_only=True, required=False)
    url = serializers.URLField(write_only=True, required=False, allow_blank=True, max_length=500)
    note = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=300)
    current_version = ResourceVersionSerializer(read_only=True)
    download_url = serializers.SerializerMethodField()
    download_count = serializers.SerializerMethodField()

    class Meta:
        model = Resource
        fields = [
            "id",
            "title",
            "description",
            "category",
            "audience_tiers",
            "audience_partner_types",
            "audience_countries",
            "current_version",
            "download_url",
            "download_count",
            "file",
            "url",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_download_url(self, resource) -> str:
        return reverse("resource-download", args=[resource.pk])

    def get_download_count(self, resource) -> int | None:
        """All partners' downloads, for the program's staff; partners get null."""
        if not has_perm(_user(self), "resource.manage"):
            return None
        return getattr(resource, "download_total", None) or 0

    def validate(self, attrs):
        if self.instance is None and bool(attrs.get("file")) == bool(attrs.get("url")):
            raise serializers.ValidationError({"file": "Give a file or a link (one of them)."})
        if attrs.get("file") and attrs.get("url"):
            raise serializers.ValidationError({"file": "Give a file or a link, not both."})
        return attrs


class ResourceVersionCreateSerializer(serializers.Serializer):
    file = serializers.FileField(required=False)
    url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)

    def validate(self, attrs):
        if bool(attrs.get("file")) == bool(attrs.get("url")):
            raise serializers.ValidationError({"file": "Give a file or a link (one of them)."})
        return attrs
