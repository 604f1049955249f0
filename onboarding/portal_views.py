"""Partner-portal pages of onboarding and enablement: the signed-in user's own organization, and the courses
and resources its audience allows."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView, View
from rest_framework.exceptions import ValidationError as DrfValidationError

from prm import tenancy
from prm.errors import DomainError
from prm.pages import ListPageMixin, ScopedPageMixin

from . import downloads, selectors, services
from .models import Course, CourseModule, OnboardingPlan, OnboardingStep, Resource, StepOwner
from .pages import ActionView
from .serializers import AttemptSerializer, OnboardingStepCompleteSerializer


class PortalPage(ScopedPageMixin):
    permission_required = "portal.partner"


class PortalOnboardingView(PortalPage, TemplateView):
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


class PortalStepCompleteView(PortalPage, View):
    """The partner marks one of its steps done (with the document for a document step)."""

    permission_required = "onboarding.complete_step"
    queryset = OnboardingStep.objects.select_related("plan")
    object_view = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        step = self.object
        serializer = OnboardingStepCompleteSerializer(data={k: v for k, v in request.FILES.items()})
        try:
            serializer.is_valid(raise_exception=True)
            services.onboarding_step_complete(
                actor=request.user, step=step, document=serializer.validated_data.get("document")
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except DrfValidationError as exc:
            messages.error(request, " ".join(str(e) for errors in exc.detail.values() for e in errors))
        else:
            step.plan.refresh_from_db()
            if step.plan.is_complete:
                messages.success(request, "Onboarding complete — welcome aboard! Your organization is now active.")
            else:
                messages.success(request, f"“{step.title}” is done. {step.plan.progress_percent} % complete.")
        return HttpResponseRedirect(reverse("portal:onboarding") + f"#step-{step.pk}")


class PortalStepDocumentView(PortalPage, View):
    model = OnboardingStep
    object_view = True

    def get(self, request, *args, **kwargs):
        return downloads.serve_step_document(self.object)


class PortalCourseListView(PortalPage, TemplateView):
    template_name = "portal/onboarding/courses.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**selectors.portal_courses(user=self.request.user), **kwargs)


class PortalCourseDetailView(PortalPage, TemplateView):
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


class PortalCourseEnrollView(ActionView):
    permission_required = "course.take"
    model = Course

    def act(self, course):
        services.course_enroll(actor=self.request.user, course=course)
        return f"You are enrolled in “{course.title}”."

    def get_redirect_url(self):
        return reverse("portal:course-detail", args=[self.object.pk])


class PortalCourseAttemptView(PortalPage, View):
    """The quiz form: one radio group per question (`q<question id>` = choice id), scored on the server."""

    permission_required = "course.take"
    model = Course
    object_view = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        course = self.object
        answers = {key[1:]: value for key, value in request.POST.items() if key.startswith("q") and key[1:].isdigit()}
        serializer = AttemptSerializer(data={"answers": answers})
        url = reverse("portal:course-detail", args=[course.pk])
        try:
            serializer.is_valid(raise_exception=True)
            attempt = services.course_attempt_submit(
                actor=request.user, course=course, answers=serializer.validated_data["answers"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(url)
        except (ValidationError, DrfValidationError):
            messages.error(request, "Those answers do not belong to this quiz. Reload the page and try again.")
            return HttpResponseRedirect(url)
        if attempt.passed:
            cert = attempt.certification
            messages.success(
                request,
                f"You passed with {attempt.score} %. You are certified in “{course.title}” until "
                f"{cert.expires_on:%-d %B %Y}.",
            )
        else:
            messages.warning(
                request,
                f"You scored {attempt.score} %; the pass mark is {course.pass_mark_percent} %. "
                "Review the modules and try again.",
            )
        return HttpResponseRedirect(url + "#quiz")


class PortalModuleFileView(PortalPage, View):
    model = CourseModule
    object_view = True

    def get(self, request, *args, **kwargs):
        return downloads.serve_module_file(self.object)


class PortalResourceListView(ListPageMixin, PortalPage, TemplateView):
    template_name = "portal/onboarding/resources.html"
    page_size = 24

    def get_context_data(self, **kwargs):
        result = selectors.resource_list(actor=self.request.user, params=self.request.GET)
        return super().get_context_data(**self.list_context(result), **kwargs)


class PortalResourceDownloadView(PortalPage, View):
    """Checks the audience (another tier's resource is a 404), counts the download, serves the latest version."""

    queryset = Resource.objects.select_related("current_version")
    object_view = True

    def get(self, request, *args, **kwargs):
        return downloads.resource_download(user=request.user, resource=self.object)
