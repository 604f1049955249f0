"""API of onboarding and enablement: plans and steps, templates, courses, quizzes, certifications, resources."""

from django.db.models import Prefetch, Sum
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from prm.api.parsers import JSONParser
from prm.api.viewsets import HistoryMixin, ScopedModelViewSet, ScopedReadOnlyViewSet

from . import downloads, services
from .filters import (
    CertificationFilterSet,
    CourseFilterSet,
    CourseModuleFilterSet,
    EnrollmentFilterSet,
    OnboardingPlanFilterSet,
    OnboardingStepFilterSet,
    QuizQuestionFilterSet,
    ResourceFilterSet,
)
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
)
from .serializers import (
    AttemptResultSerializer,
    AttemptSerializer,
    CertificationSerializer,
    CourseModuleSerializer,
    CourseSerializer,
    EnrollmentSerializer,
    OnboardingPlanSerializer,
    OnboardingStepCompleteSerializer,
    OnboardingStepSerializer,
    OnboardingTemplateSerializer,
    OnboardingTemplateStepSerializer,
    QuizQuestionSerializer,
    ResourceSerializer,
    ResourceVersionCreateSerializer,
)

PARSERS = [JSONParser, MultiPartParser, FormParser]


# --- onboarding ----------------------------------------------------------------------------------------------


class OnboardingTemplateViewSet(HistoryMixin, ScopedModelViewSet):
    queryset = OnboardingTemplate.objects.prefetch_related("steps")
    serializer_class = OnboardingTemplateSerializer
    action_permissions = {
        "list": "onboarding_template.view",
        "retrieve": "onboarding_template.view",
        "history": "audit.view",
        "create": "onboarding_template.manage",
        "update": "onboarding_template.manage",
        "partial_update": "onboarding_template.manage",
    }

    def perform_create(self, serializer):
        serializer.instance = services.onboarding_template_create(
            actor=self.request.user, data=serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.onboarding_template_update(
            actor=self.request.user, template=serializer.instance, data=serializer.validated_data
        )


class OnboardingTemplateStepViewSet(ScopedModelViewSet):
    queryset = OnboardingTemplateStep.objects.all()
    serializer_class = OnboardingTemplateStepSerializer
    action_permissions = {
        "list": "onboarding_template.view",
        "retrieve": "onboarding_template.view",
        "create": "onboarding_template.manage",
        "update": "onboarding_template.manage",
        "partial_update": "onboarding_template.manage",
    }

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        template = data.pop("template")
        serializer.instance = services.onboarding_template_step_create(
            actor=self.request.user, template=template, data=data
        )

    def perform_update(self, serializer):
        serializer.instance = services.onboarding_template_step_update(
            actor=self.request.user, step=serializer.instance, data=serializer.validated_data
        )


class OnboardingPlanViewSet(HistoryMixin, ScopedReadOnlyViewSet):
    """One plan per partner, with its steps and `progress_percent`. Partners see their own only."""

    queryset = OnboardingPlan.objects.select_related("partner").prefetch_related(
        Prefetch("steps", queryset=OnboardingStep.objects.select_related("completed_by", "required_course", "plan"))
    )
    serializer_class = OnboardingPlanSerializer
    filterset_class = OnboardingPlanFilterSet
    ordering_fields = ["progress_percent", "created_at", "started_on", "last_progress_at"]
    ordering = ["-created_at", "id"]
    action_permissions = {
        "list": "onboarding.view",
        "retrieve": "onboarding.view",
        "history": "audit.view",
        "nudge": "onboarding.nudge",
    }

    @extend_schema(request=None, responses={200: {"type": "object", "properties": {"emailed": {"type": "integer"}}}})
    @action(detail=True, methods=["post"])
    def nudge(self, request, *args, **kwargs):
        """Email the partner's admins the open partner steps."""
        emailed = services.onboarding_plan_nudge(actor=request.user, plan=self.get_object())
        return Response({"emailed": emailed})


class OnboardingStepViewSet(ScopedReadOnlyViewSet):
    queryset = OnboardingStep.objects.select_related("plan", "completed_by", "required_course")
    serializer_class = OnboardingStepSerializer
    filterset_class = OnboardingStepFilterSet
    parser_classes = PARSERS
    ordering_fields = ["due_on", "order"]
    ordering = ["plan", "order", "id"]
    action_permissions = {
        "list": "onboarding.view",
        "retrieve": "onboarding.view",
        "complete": "onboarding.complete_step",
        "document": "onboarding.view",
    }

    @extend_schema(request=OnboardingStepCompleteSerializer, responses=OnboardingStepSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        """Mark the step done (multipart with `document` for a document step). A partner completes its own
        steps, the vendor's staff the vendor's; a course step needs an active certification."""
        step = self.get_object()
        serializer = OnboardingStepCompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        step = services.onboarding_step_complete(
            actor=request.user, step=step, document=serializer.validated_data.get("document")
        )
        return Response(OnboardingStepSerializer(step, context=self.get_serializer_context()).data)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def document(self, request, *args, **kwargs):
        """The uploaded document: for the partner itself and the program's staff."""
        return downloads.serve_step_document(self.get_object())


# --- courses -------------------------------------------------------------------------------------------------


class CourseViewSet(HistoryMixin, ScopedModelViewSet):
    """Courses: staff write; partners read the published courses meant for them, enroll and take the quiz."""

    queryset = Course.objects.prefetch_related(
        "audience_tiers", "modules", Prefetch("questions", queryset=QuizQuestion.objects.prefetch_related("choices"))
    )
    serializer_class = CourseSerializer
    filterset_class = CourseFilterSet
    ordering_fields = ["title", "created_at"]
    ordering = ["title", "id"]
    action_permissions = {
        "list": "course.view",
        "retrieve": "course.view",
        "history": "audit.view",
        "create": "course.manage",
        "update": "course.manage",
        "partial_update": "course.manage",
        "enroll": "course.take",
        "attempts": "course.take",
    }

    def perform_create(self, serializer):
        serializer.instance = services.course_create(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.course_update(
            actor=self.request.user, course=serializer.instance, data=serializer.validated_data
        )

    @extend_schema(request=None, responses=EnrollmentSerializer)
    @action(detail=True, methods=["post"])
    def enroll(self, request, *args, **kwargs):
        enrollment = services.course_enroll(actor=request.user, course=self.get_object())
        return Response(EnrollmentSerializer(enrollment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AttemptSerializer, responses=AttemptResultSerializer)
    @action(detail=True, methods=["post"])
    def attempts(self, request, *args, **kwargs):
        """Submit the quiz: `{"answers": {question_id: choice_id}}` → `score`, `passed`, `certification`.
        Scored on the server; an id from another course is a 400."""
        course = self.get_object()
        serializer = AttemptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attempt = services.course_attempt_submit(
            actor=request.user, course=course, answers=serializer.validated_data["answers"]
        )
        return Response(AttemptResultSerializer(attempt).data, status=status.HTTP_201_CREATED)


class CourseModuleViewSet(ScopedModelViewSet):
    queryset = CourseModule.objects.all()
    serializer_class = CourseModuleSerializer
    filterset_class = CourseModuleFilterSet
    parser_classes = PARSERS
    action_permissions = {
        "list": "course.view",
        "retrieve": "course.view",
        "create": "course.manage",
        "update": "course.manage",
        "partial_update": "course.manage",
        "file": "course.view",
    }

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        course = data.pop("course")
        serializer.instance = services.course_module_create(actor=self.request.user, course=course, data=data)

    def perform_update(self, serializer):
        serializer.instance = services.course_module_update(
            actor=self.request.user, module=serializer.instance, data=serializer.validated_data
        )

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def file(self, request, *args, **kwargs):
        return downloads.serve_module_file(self.get_object())


class QuizQuestionViewSet(ScopedModelViewSet):
    """Quiz questions. Partners read them without the answers (`is_correct` is for course managers)."""

    queryset = QuizQuestion.objects.prefetch_related("choices")
    serializer_class = QuizQuestionSerializer
    filterset_class = QuizQuestionFilterSet
    action_permissions = {
        "list": "course.view",
        "retrieve": "course.view",
        "create": "course.manage",
        "update": "course.manage",
        "partial_update": "course.manage",
    }

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        course = data.pop("course")
        serializer.instance = services.quiz_question_create(actor=self.request.user, course=course, data=data)

    def perform_update(self, serializer):
        serializer.instance = services.quiz_question_update(
            actor=self.request.user, question=serializer.instance, data=serializer.validated_data
        )


class EnrollmentViewSet(ScopedReadOnlyViewSet):
    queryset = Enrollment.objects.select_related("course")
    serializer_class = EnrollmentSerializer
    filterset_class = EnrollmentFilterSet
    action_permissions = {"list": "course.view", "retrieve": "course.view"}


class CertificationViewSet(ScopedReadOnlyViewSet):
    """Certifications: `active` is false once `expires_on` has passed (expired ones no longer count)."""

    queryset = Certification.objects.select_related("user", "course")
    serializer_class = CertificationSerializer
    filterset_class = CertificationFilterSet
    ordering_fields = ["issued_on", "expires_on"]
    ordering = ["-issued_on", "id"]
    action_permissions = {"list": "certification.view", "retrieve": "certification.view"}


# --- resources -----------------------------------------------------------------------------------------------


class ResourceViewSet(HistoryMixin, ScopedModelViewSet):
    """The resource library. Partners see what their audience (tier, type, country) allows; anything else is a
    404. `download` serves the latest version and counts it for the caller's organization."""

    queryset = (
        Resource.objects.select_related("current_version")
        .prefetch_related("audience_tiers")
        .annotate(download_total=Sum("downloads__count"))
    )
    serializer_class = ResourceSerializer
    filterset_class = ResourceFilterSet
    parser_classes = PARSERS
    ordering_fields = ["title", "updated_at", "category"]
    ordering = ["title", "id"]
    action_permissions = {
        "list": "resource.view",
        "retrieve": "resource.view",
        "history": "audit.view",
        "create": "resource.manage",
        "update": "resource.manage",
        "partial_update": "resource.manage",
        "versions": "resource.manage",
        "download": "resource.view",
    }

    def perform_create(self, serializer):
        serializer.instance = services.resource_create(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.resource_update(
            actor=self.request.user, resource=serializer.instance, data=serializer.validated_data
        )

    @extend_schema(request=ResourceVersionCreateSerializer, responses=ResourceSerializer)
    @action(detail=True, methods=["post"])
    def versions(self, request, *args, **kwargs):
        """A new version (a file or a link); the latest is what partners download. Older ones are kept."""
        resource = self.get_object()
        serializer = ResourceVersionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.resource_version_add(actor=request.user, resource=resource, **serializer.validated_data)
        resource = self.get_queryset().get(pk=resource.pk)
        return Response(self.get_serializer(resource).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, *args, **kwargs):
        return downloads.resource_download(user=request.user, resource=self.get_object())


def register(router) -> None:
    router.register("onboarding-templates", OnboardingTemplateViewSet)
    router.register("onboarding-template-steps", OnboardingTemplateStepViewSet)
    router.register("onboarding-plans", OnboardingPlanViewSet)
    router.register("onboarding-steps", OnboardingStepViewSet)
    router.register("courses", CourseViewSet)
    router.register("course-modules", CourseModuleViewSet)
    router.register("quiz-questions", QuizQuestionViewSet)
    router.register("enrollments", EnrollmentViewSet)
    router.register("certifications", CertificationViewSet)
    router.register("resources", ResourceViewSet)
