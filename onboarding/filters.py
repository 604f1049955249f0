"""Filters shared by the API and the pages: `?stuck=true` means the same everywhere."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from partners.models import Partner, PartnerStatus, PartnerType
from prm.accounts.models import User
from prm.filters import FilterSet, staff_users

from .models import (
    Certification,
    Course,
    CourseModule,
    Enrollment,
    OnboardingPlan,
    OnboardingStep,
    QuizQuestion,
    Resource,
    ResourceCategory,
    StepOwner,
    StepStatus,
)


class OnboardingPlanFilterSet(FilterSet):
    search = django_filters.CharFilter(field_name="partner__name", lookup_expr="icontains", label="Partner")
    state = django_filters.ChoiceFilter(
        method="filter_state",
        label="State",
        choices=[
            ("in_progress", "In progress"),
            ("overdue", "Has overdue steps"),
            ("stuck", "Stuck"),
            ("completed", "Completed"),
        ],
    )
    partner = django_filters.ModelChoiceFilter(queryset=Partner.objects.all())
    partner_type = django_filters.MultipleChoiceFilter(field_name="partner__partner_type", choices=PartnerType.choices)
    partner_status = django_filters.MultipleChoiceFilter(field_name="partner__status", choices=PartnerStatus.choices)
    manager = django_filters.ModelChoiceFilter(field_name="partner__manager", queryset=staff_users())
    completed = django_filters.BooleanFilter(field_name="completed_at", lookup_expr="isnull", exclude=True)
    stuck = django_filters.BooleanFilter(field_name="stuck_since", lookup_expr="isnull", exclude=True)

    class Meta:
        model = OnboardingPlan
        fields = ["search", "state", "partner", "partner_type", "partner_status", "manager", "completed", "stuck"]

    def filter_state(self, queryset, name, value):
        if value == "in_progress":
            return queryset.filter(completed_at__isnull=True)
        if value == "completed":
            return queryset.filter(completed_at__isnull=False)
        if value == "stuck":
            return queryset.filter(completed_at__isnull=True, stuck_since__isnull=False)
        if value == "overdue":
            late = OnboardingStep.objects.filter(
                plan=OuterRef("pk"), status=StepStatus.OPEN, due_on__lt=timezone.localdate()
            )
            return queryset.filter(Exists(late))
        return queryset


class OnboardingStepFilterSet(FilterSet):
    plan = django_filters.NumberFilter()
    partner = django_filters.NumberFilter(field_name="plan__partner")
    status = django_filters.ChoiceFilter(choices=StepStatus.choices)
    owner = django_filters.ChoiceFilter(choices=StepOwner.choices)

    class Meta:
        model = OnboardingStep
        fields = ["plan", "partner", "status", "owner"]


class CourseFilterSet(FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Search")
    published = django_filters.BooleanFilter()

    class Meta:
        model = Course
        fields = ["search", "published"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))


class CourseModuleFilterSet(FilterSet):
    course = django_filters.NumberFilter()

    class Meta:
        model = CourseModule
        fields = ["course"]


class QuizQuestionFilterSet(FilterSet):
    course = django_filters.NumberFilter()

    class Meta:
        model = QuizQuestion
        fields = ["course"]


class CertificationFilterSet(FilterSet):
    user = django_filters.ModelChoiceFilter(queryset=User.objects.all())
    course = django_filters.ModelChoiceFilter(queryset=Course.objects.all())
    partner = django_filters.ModelChoiceFilter(queryset=Partner.objects.all())
    active = django_filters.BooleanFilter(method="filter_active")

    class Meta:
        model = Certification
        fields = ["user", "course", "partner", "active"]

    def filter_active(self, queryset, name, value):
        return queryset.active() if value else queryset.expired()


class EnrollmentFilterSet(FilterSet):
    user = django_filters.ModelChoiceFilter(queryset=User.objects.all())
    course = django_filters.ModelChoiceFilter(queryset=Course.objects.all())

    class Meta:
        model = Enrollment
        fields = ["user", "course"]


class ResourceFilterSet(FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Search")
    category = django_filters.ChoiceFilter(choices=ResourceCategory.choices, empty_label="All categories")

    class Meta:
        model = Resource
        fields = ["search", "category"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))
