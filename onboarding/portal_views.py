"""Partner-portal pages of onboarding and enablement: the signed-in user's own organization, and the courses
and resources its audience allows."""

from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView, View
from rest_framework.exceptions import ValidationError as DrfValidationError

from prm import tenancy
from prm.errors import DomainError
from prm.pages import ActionPageView, ListPageMixin, PortalPageMixin

from . import downloads, selectors, services
from .models import Course, CourseModule, OnboardingPlan, OnboardingStep, Resource, StepOwner
from .serializers import AttemptSerializer, OnboardingStepCompleteSerializer


class PortalOnboardingView(PortalPageMixin, TemplateView):
    template_name = "portal/onboarding/plan.html"

    def get_context_data(self, **kwargs):
        plan = (
            tenancy.scope(OnboardingPlan.objects.select_related("partner__manager"), self.request.user)
            .filter(partner_id=self.request.user.partner_id)
            .first()
        )
        steps = selectors.plan_steps(plan) if plan else []
        return super().get_context_data(
            plan=plan,
            steps=steps,
            partner_steps=[s for s in steps if s.owner == StepOwner.PARTNER],
            vendor_steps=[s for s in steps if s.owner == StepOwner.VENDOR],
            **kwargs,
        )


class PortalStepCompleteView(ActionPageView):
    """The partner marks one of its steps done (with the document for a document step)."""

    permission_required = "onboarding.complete_step"
    queryset = OnboardingStep.objects.select_related("plan")
    serializer_class = OnboardingStepCompleteSerializer

    def get_serializer_data(self):
        return dict(self.request.FILES.items())

    def perform(self, data):
        step = self.object
        services.onboarding_step_complete(actor=self.request.user, step=step, document=data.get("document"))
        step.plan.refresh_from_db()
        if step.plan.is_complete:
            return "Onboarding complete — welcome aboard! Your organization is now active."
        return f"“{step.title}” is done. {step.plan.progress_percent} % complete."

    def get_success_url(self):
        return reverse("portal:onboarding") + f"#step-{self.object.pk}"


class PortalStepDocumentView(PortalPageMixin, View):
    model = OnboardingStep
    object_view = True

    def get(self, request, *args, **kwargs):
        return downloads.serve_step_document(self.object)


class PortalCourseListView(PortalPageMixin, TemplateView):
    template_name = "portal/onboarding/courses.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**selectors.portal_courses(user=self.request.user), **kwargs)


class PortalCourseDetailView(PortalPageMixin, TemplateView):
    template_name = "portal/onboarding/course_detail.html"
    model = Course
    object_view = True

    def get_context_data(self, **kwargs):
        course = self.object
        from .models import Certification, Enrollment

        return super().get_context_data(
            course=course,
            enrollment=Enrollment.objects.filter(user=self.request.user, course=course).first(),
            certification=Certification.objects.filter(user=self.request.user, course=course).first(),
            **selectors.course_detail(course),
            **kwargs,
        )


class PortalCourseEnrollView(ActionPageView):
    permission_required = "course.take"
    model = Course

    def perform(self, data):
        services.course_enroll(actor=self.request.user, course=self.object)
        return f"You are enrolled in “{self.object.title}”."

    def get_success_url(self):
        return reverse("portal:course-detail", args=[self.object.pk])


class PortalCourseAttemptView(ActionPageView):
    """The quiz form: one radio group per question (`q<question id>` = choice id), scored on the server."""

    permission_required = "course.take"
    model = Course

    def perform(self, data):
        course = self.object
        post = self.request.POST
        answers = {key[1:]: value for key, value in post.items() if key.startswith("q") and key[1:].isdigit()}
        try:
            data = self.validated(AttemptSerializer, {"answers": answers})
            attempt = services.course_attempt_submit(actor=self.request.user, course=course, answers=data["answers"])
        except (DjangoValidationError, DrfValidationError) as exc:
            # The details name question and choice ids the partner never saw.
            raise DomainError("Those answers do not belong to this quiz. Reload the page and try again.") from exc
        if not attempt.passed:
            messages.warning(
                self.request,
                f"You scored {attempt.score} %; the pass mark is {course.pass_mark_percent} %. "
                "Review the modules and try again.",
            )
            return ""
        return (
            f"You passed with {attempt.score} %. You are certified in “{course.title}” until "
            f"{attempt.certification.expires_on:%-d %B %Y}."
        )

    def get_success_url(self):
        return reverse("portal:course-detail", args=[self.object.pk]) + "#quiz"

    def failed(self, exc):
        return HttpResponseRedirect(reverse("portal:course-detail", args=[self.object.pk]))


class PortalModuleFileView(PortalPageMixin, View):
    model = CourseModule
    object_view = True

    def get(self, request, *args, **kwargs):
        return downloads.serve_module_file(self.object)


class PortalResourceListView(ListPageMixin, PortalPageMixin, TemplateView):
    template_name = "portal/onboarding/resources.html"
    page_size = 24

    def get_context_data(self, **kwargs):
        result = selectors.resource_list(actor=self.request.user, params=self.request.GET)
        return super().get_context_data(**self.list_context(result), **kwargs)


class PortalResourceDownloadView(PortalPageMixin, View):
    """Checks the audience (another tier's resource is a 404), counts the download, serves the latest version."""

    queryset = Resource.objects.select_related("current_version")
    object_view = True

    def get(self, request, *args, **kwargs):
        return downloads.resource_download(user=request.user, resource=self.object)
