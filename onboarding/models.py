"""Onboard and enable: onboarding templates and plans, courses with quizzes, certifications, and the resource
library. Plans, steps, enrollments and certifications belong to one partner; courses and resources are program
content shown to partners by audience (tier, partner type, country)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from partners.models import PartnerType
from prm.audience import AudienceMixin
from prm.states import StateMachine
from prm.tenancy import AUDIENCE, PROGRAM_WIDE, TenantQuerySet
from prm.uploads import upload_to

from .querysets import CertificationQuerySet, OnboardingPlanQuerySet, OnboardingStepQuerySet

if TYPE_CHECKING:
    pass


# Module-level so migrations can name them (prm.uploads.upload_to returns a closure).
def onboarding_document_path(instance, filename: str) -> str:
    return upload_to("onboarding")(instance, filename)


def course_file_path(instance, filename: str) -> str:
    return upload_to("courses")(instance, filename)


def resource_file_path(instance, filename: str) -> str:
    return upload_to("resources")(instance, filename)


class StepOwner(models.TextChoices):
    PARTNER = "partner", "Partner"
    VENDOR = "vendor", "Vendor"


class StepStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


#: An onboarding step is done once; nothing reopens it.
STEP_STATES = StateMachine(
    {StepStatus.OPEN: {StepStatus.DONE}, StepStatus.DONE: set()},
    noun="step",
    labels=StepStatus,
    verbs={StepStatus.DONE: "complete"},
)


# --- onboarding ----------------------------------------------------------------------------------------------


class OnboardingTemplate(models.Model):
    """The checklist every new partner of one type starts with. Editing it changes future plans only."""

    tenant_field = PROGRAM_WIDE

    name = models.CharField(max_length=200)
    partner_type = models.CharField(max_length=20, choices=PartnerType.choices, unique=True)
    description = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["partner_type"]

    def __str__(self) -> str:
        return self.name


class StepFields(models.Model):
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=4000)
    owner = models.CharField(max_length=10, choices=StepOwner.choices, default=StepOwner.PARTNER)
    required_course = models.ForeignKey(
        "onboarding.Course",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Done only when a user of the partner holds an active certification for this course.",
    )
    requires_document = models.BooleanField(default=False, help_text="The partner uploads a document to finish.")

    class Meta:
        abstract = True

    def clean(self) -> None:
        if self.owner == StepOwner.VENDOR and (self.required_course_id or self.requires_document):
            raise ValidationError(
                {"owner": "A course or a document is something the partner provides: make it a partner step."}
            )


class OnboardingTemplateStep(StepFields):
    tenant_field = PROGRAM_WIDE

    template = models.ForeignKey(OnboardingTemplate, on_delete=models.CASCADE, related_name="steps")
    due_offset_days = models.PositiveSmallIntegerField(
        default=7, validators=[MaxValueValidator(365)], help_text="Due this many days after the plan starts."
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["template", "order", "id"]

    def __str__(self) -> str:
        return self.title


class OnboardingPlan(models.Model):
    """One partner's onboarding checklist, copied from its type's template when the partner is approved."""

    tenant_field = "partner"

    partner = models.OneToOneField("partners.Partner", on_delete=models.CASCADE, related_name="onboarding_plan")
    template = models.ForeignKey(OnboardingTemplate, null=True, blank=True, on_delete=models.SET_NULL)
    started_on = models.DateField(default=timezone.localdate)
    progress_percent = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    completed_at = models.DateTimeField(null=True, blank=True)
    last_progress_at = models.DateTimeField(default=timezone.now)
    stuck_since = models.DateField(
        null=True, blank=True, help_text="Set when no step moved for 14 days; cleared by the next progress."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OnboardingPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["completed_at", "last_progress_at"])]
        constraints = [
            models.CheckConstraint(name="plan_progress_range", condition=Q(progress_percent__lte=100)),
        ]

    def __str__(self) -> str:
        return f"Onboarding of {self.partner}"

    def get_absolute_url(self) -> str:
        return reverse("manage:onboarding-plan", args=[self.pk])

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class OnboardingStep(StepFields):
    tenant_field = "plan__partner"

    plan = models.ForeignKey(OnboardingPlan, on_delete=models.CASCADE, related_name="steps")
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=StepStatus.choices, default=StepStatus.OPEN)
    document = models.FileField(upload_to=onboarding_document_path, blank=True, max_length=300)
    document_name = models.CharField(max_length=255, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    last_reminded_on = models.DateField(null=True, blank=True, editable=False)

    objects = OnboardingStepQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                name="step_done_has_time",
                condition=Q(status="open") | Q(completed_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.status == StepStatus.DONE

    @property
    def is_overdue(self) -> bool:
        return self.status == StepStatus.OPEN and self.due_on < timezone.localdate()

    @property
    def kind(self) -> str:
        if self.required_course_id:
            return "course"
        if self.requires_document:
            return "document"
        return "task"


# --- enablement ----------------------------------------------------------------------------------------------


class Course(AudienceMixin):
    """A training course: modules to read and a short quiz. Passing it certifies the user for `validity_months`."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=4000)
    pass_mark_percent = models.PositiveSmallIntegerField(
        default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    validity_months = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    published = models.BooleanField(default=False, help_text="Unpublished courses are hidden from partners.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                name="course_pass_mark_range", condition=Q(pass_mark_percent__gte=1, pass_mark_percent__lte=100)
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("manage:course-detail", args=[self.pk])

    @classmethod
    def audience_filter(cls, queryset, partner):
        return super().audience_filter(queryset.filter(published=True), partner)


def _visible_courses(partner) -> models.QuerySet:
    return Course.audience_filter(Course.objects.all(), partner).values("pk")


class ModuleKind(models.TextChoices):
    TEXT = "text", "Text"
    LINK = "link", "Link"
    FILE = "file", "File"


class CourseModule(models.Model):
    tenant_field = AUDIENCE

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=ModuleKind.choices, default=ModuleKind.TEXT)
    body = models.TextField(blank=True, max_length=50000, help_text="Stored sanitized.")
    url = models.URLField(blank=True, max_length=500)
    file = models.FileField(upload_to=course_file_path, blank=True, max_length=300)
    file_name = models.CharField(max_length=255, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["course", "order", "id"]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def audience_filter(queryset, partner):
        return queryset.filter(course__in=_visible_courses(partner))

    def clean(self) -> None:
        if self.kind == ModuleKind.TEXT and not self.body.strip():
            raise ValidationError({"body": "A text module needs some text."})
        if self.kind == ModuleKind.LINK and not self.url:
            raise ValidationError({"url": "A link module needs a URL."})
        if self.kind == ModuleKind.FILE and not self.file:
            raise ValidationError({"file": "A file module needs a file."})


class QuizQuestion(models.Model):
    """A question of a course's quiz. Partners see the text and the choices, never which choice is right."""

    tenant_field = AUDIENCE

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=500)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["course", "order", "id"]

    def __str__(self) -> str:
        return self.text

    @staticmethod
    def audience_filter(queryset, partner):
        return queryset.filter(course__in=_visible_courses(partner))


class QuizChoice(models.Model):
    tenant_field = AUDIENCE

    question = models.ForeignKey(QuizQuestion, on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    is_correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["question", "order", "id"]

    def __str__(self) -> str:
        return self.text

    @staticmethod
    def audience_filter(queryset, partner):
        return queryset.filter(question__course__in=_visible_courses(partner))


class Enrollment(models.Model):
    tenant_field = "partner"

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    enrolled_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True, help_text="When the user first passed the quiz.")
    best_score = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-enrolled_at", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="enrollment_user_course_unique")]
        indexes = [models.Index(fields=["partner", "id"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"


class QuizAttempt(models.Model):
    tenant_field = "partner"

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="attempts")
    score = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    answers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{self.user} — {self.course}: {self.score} %"


class Certification(models.Model):
    """A user's proof of passing a course, valid until `expires_on`. Passing again renews it (one per user and
    course). Expired ones stay as history but no longer count (`.active()`)."""

    tenant_field = "partner"

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="certifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certifications")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certifications")
    issued_on = models.DateField()
    expires_on = models.DateField()
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    expiry_reminder_sent_on = models.DateField(null=True, blank=True, editable=False)

    objects = CertificationQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="certification_user_course_unique"),
            models.CheckConstraint(
                name="certification_expires_after_issue", condition=Q(expires_on__gt=models.F("issued_on"))
            ),
        ]
        indexes = [models.Index(fields=["partner", "expires_on"]), models.Index(fields=["expires_on"])]

    def __str__(self) -> str:
        return f"{self.course} — {self.user}"

    @property
    def active(self) -> bool:
        return self.expires_on >= timezone.localdate()


# --- resources -----------------------------------------------------------------------------------------------


class ResourceCategory(models.TextChoices):
    SALES = "sales", "Sales collateral"
    PRICE_LIST = "price_list", "Price list"
    CASE_STUDY = "case_study", "Case study"
    MARKETING = "marketing", "Marketing material"
    TECHNICAL = "technical", "Technical documentation"
    OTHER = "other", "Other"


class Resource(AudienceMixin):
    """A file or a link in the library. A new file or link makes a new version; the latest is served."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=4000)
    category = models.CharField(max_length=20, choices=ResourceCategory.choices, default=ResourceCategory.SALES)
    current_version = models.ForeignKey(
        "onboarding.ResourceVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["category", "title"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("manage:resources")


class ResourceVersion(models.Model):
    tenant_field = AUDIENCE

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=resource_file_path, blank=True, max_length=300)
    file_name = models.CharField(max_length=255, blank=True)
    url = models.URLField(blank=True, max_length=500)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["resource", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="resource_version_unique"),
            models.CheckConstraint(name="resource_version_file_or_url", condition=~Q(file="") | ~Q(url="")),
        ]

    def __str__(self) -> str:
        return f"{self.resource} v{self.number}"

    @staticmethod
    def audience_filter(queryset, partner):
        return queryset.filter(resource__in=Resource.audience_filter(Resource.objects.all(), partner).values("pk"))

    @property
    def kind(self) -> str:
        return "file" if self.file else "link"


class ResourceDownload(models.Model):
    """Downloads of one resource by one partner: a counter, upserted set-based on every download."""

    tenant_field = "partner"

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="downloads")
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")
    count = models.PositiveIntegerField(default=0)
    last_downloaded_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "partner"], name="resource_download_unique")]

    def __str__(self) -> str:
        return f"{self.resource} × {self.count}"
