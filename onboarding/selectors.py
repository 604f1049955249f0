"""Reads of onboarding and enablement beyond a simple get. Every one takes the user and scopes through tenancy;
lists are a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from prm import tenancy
from prm.filters import ListResult, Sorts, list_rows

from .filters import OnboardingPlanFilterSet, ResourceFilterSet
from .models import (
    Certification,
    Course,
    CourseModule,
    Enrollment,
    OnboardingPlan,
    OnboardingStep,
    OnboardingTemplate,
    OnboardingTemplateStep,
    QuizQuestion,
    Resource,
    ResourceDownload,
    ResourceVersion,
    StepStatus,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from prm.accounts.models import User

PLAN_SORTS = Sorts(
    {
        "partner": ("partner__name", "id"),
        "progress": ("progress_percent", "partner__name"),
        "overdue": ("-overdue_count", "progress_percent", "partner__name"),
        "started": ("started_on", "id"),
        "activity": ("last_progress_at", "id"),
    },
    default="overdue",
)
RESOURCE_SORTS = Sorts({"category": ("category", "title", "id"), "title": ("title", "id")}, default="category")


def plan_list(*, actor: User, params: Mapping, sort: str | None = None) -> ListResult:
    """The onboarding page: every visible plan with its step counts, filtered and sorted (`?sort=-progress`)."""
    return list_rows(
        actor=actor,
        queryset=OnboardingPlan.objects.select_related("partner__manager", "partner__tier"),
        filterset_class=OnboardingPlanFilterSet,
        params=params,
        sorts=PLAN_SORTS,
        sort=sort,
        prepare=lambda plans: plans.with_counts(timezone.localdate()),
    )


def plan_summary(*, user: User) -> dict[str, int]:
    plans = tenancy.scope(OnboardingPlan.objects.all(), user)
    late = OnboardingStep.objects.filter(plan=OuterRef("pk"), status=StepStatus.OPEN, due_on__lt=timezone.localdate())
    return plans.aggregate(
        in_progress=Count("pk", filter=Q(completed_at__isnull=True)),
        completed=Count("pk", filter=Q(completed_at__isnull=False)),
        stuck=Count("pk", filter=Q(completed_at__isnull=True, stuck_since__isnull=False)),
        overdue=Count("pk", filter=Q(Exists(late))),
    )


def plan_steps(plan: OnboardingPlan) -> list[OnboardingStep]:
    return list(plan.steps.select_related("completed_by", "required_course").order_by("order", "id"))


def template_list(*, user: User):
    return tenancy.scope(OnboardingTemplate.objects.all(), user).prefetch_related(
        Prefetch("steps", queryset=OnboardingTemplateStep.objects.select_related("required_course"))
    )


def _count(model, field: str, **filters):
    """A correlated COUNT subquery: counts of two child tables without multiplying each other's rows."""
    rows = model.objects.filter(**{field: OuterRef("pk")}, **filters).order_by().values(field)
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), Value(0))


def course_list(*, user: User):
    """Courses with their enrollment, pass and active-certification counts (for the manager page)."""
    today = timezone.localdate()
    return (
        tenancy.scope(Course.objects.all(), user)
        .annotate(
            enrolled=_count(Enrollment, "course"),
            passed=_count(Enrollment, "course", completed_at__isnull=False),
            certified=_count(Certification, "course", expires_on__gte=today),
            module_count=_count(CourseModule, "course"),
            question_count=_count(QuizQuestion, "course"),
        )
        .prefetch_related("audience_tiers")
        .order_by("title", "id")
    )


def course_detail(course: Course) -> dict:
    return {
        "modules": list(course.modules.order_by("order", "id")),
        "questions": list(course.questions.prefetch_related("choices").order_by("order", "id")),
    }


def portal_courses(*, user: User) -> dict:
    """The partner user's training page: the courses meant for it, its enrollments and certifications."""
    courses = list(
        tenancy.scope(Course.objects.all(), user)
        .annotate(module_count=_count(CourseModule, "course"))
        .order_by("title", "id")
    )
    enrollments = {e.course_id: e for e in Enrollment.objects.filter(user=user)}
    certifications = list(
        tenancy.scope(Certification.objects.all(), user)
        .filter(user=user)
        .select_related("course")
        .order_by("-expires_on")
    )
    by_course = {c.course_id: c for c in certifications}
    for course in courses:
        course.my_enrollment = enrollments.get(course.pk)
        course.my_certification = by_course.get(course.pk)
    colleagues = (
        tenancy.scope(Certification.objects.all(), user)
        .exclude(user=user)
        .select_related("user", "course")
        .order_by("-expires_on")
    )
    return {"courses": courses, "certifications": certifications, "team_certifications": list(colleagues[:50])}


def resource_list(*, actor: User, params: Mapping, sort: str | None = None) -> ListResult:
    return list_rows(
        actor=actor,
        queryset=Resource.objects.select_related("current_version"),
        filterset_class=ResourceFilterSet,
        params=params,
        sorts=RESOURCE_SORTS,
        sort=sort,
    )


def resource_list_for_staff(*, actor: User, params: Mapping, sort: str | None = None) -> ListResult:
    result = resource_list(actor=actor, params=params, sort=sort)
    totals = ResourceDownload.objects.filter(resource=OuterRef("pk")).order_by().values("resource")
    result.queryset = result.queryset.annotate(
        download_total=Coalesce(
            Subquery(totals.annotate(n=Sum("count")).values("n")[:1], output_field=IntegerField()), Value(0)
        ),
        partner_count=_count(ResourceDownload, "resource"),
        version_count=_count(ResourceVersion, "resource"),
    ).prefetch_related("audience_tiers")
    return result
