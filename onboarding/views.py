"""Manager-portal pages of onboarding and enablement. Thin: selectors read, services write, the API's
serializers validate."""

from django.urls import reverse, reverse_lazy
from django.views.generic import TemplateView, View

from prm import audit
from prm.pages import ActionPageView, ListPageMixin, ScopedPageMixin, SerializerFormMixin

from . import downloads, selectors, services
from .forms import CourseForm, CourseModuleForm, QuizQuestionForm, ResourceForm, TemplateForm, TemplateStepForm
from .models import (
    Course,
    CourseModule,
    OnboardingPlan,
    OnboardingStep,
    OnboardingTemplate,
    OnboardingTemplateStep,
    Resource,
    StepOwner,
)
from .serializers import (
    CourseModuleSerializer,
    CourseSerializer,
    OnboardingTemplateSerializer,
    OnboardingTemplateStepSerializer,
    QuizQuestionSerializer,
    ResourceSerializer,
)

# --- onboarding ----------------------------------------------------------------------------------------------


FORM_TEMPLATE = "manager/onboarding/form.html"


class OnboardingListView(ListPageMixin, ScopedPageMixin, TemplateView):
    """Every plan's progress on one page: filters, sort by progress or overdue steps, pagination."""

    template_name = "manager/onboarding/plan_list.html"
    permission_required = "onboarding.directory"
    partial_template = "manager/onboarding/_plan_table.html"

    def get_context_data(self, **kwargs):
        result = selectors.plan_list(actor=self.request.user, params=self.request.GET)
        return super().get_context_data(
            summary=selectors.plan_summary(user=self.request.user),
            **self.list_context(result),
            **kwargs,
        )


class OnboardingPlanDetailView(ScopedPageMixin, TemplateView):
    template_name = "manager/onboarding/plan_detail.html"
    permission_required = "onboarding.directory"
    queryset = OnboardingPlan.objects.select_related("partner__manager", "partner__tier", "template")
    object_view = True

    def get_context_data(self, **kwargs):
        plan = self.object
        steps = selectors.plan_steps(plan)
        return super().get_context_data(
            plan=plan,
            partner=plan.partner,
            steps=steps,
            open_partner_steps=sum(1 for s in steps if not s.is_done and s.owner == StepOwner.PARTNER),
            history=audit.history_for(plan, related=OnboardingStep.objects.filter(plan=plan)),
            **kwargs,
        )


class StepCompleteView(ActionPageView):
    """A vendor step done by the program's staff (partner steps are the partner's, in its portal)."""

    permission_required = "onboarding.complete_step"
    queryset = OnboardingStep.objects.select_related("plan")

    def perform(self, data):
        step = self.object
        services.onboarding_step_complete(actor=self.request.user, step=step)
        return f"“{step.title}” is done."

    def get_success_url(self):
        return reverse("manage:onboarding-plan", args=[self.object.plan_id])


class PlanNudgeView(ActionPageView):
    permission_required = "onboarding.nudge"
    queryset = OnboardingPlan.objects.select_related("partner")

    def perform(self, data):
        emailed = services.onboarding_plan_nudge(actor=self.request.user, plan=self.object)
        return f"Reminder sent to {emailed} partner admin{'s' if emailed != 1 else ''}."

    def get_success_url(self):
        return reverse("manage:onboarding-plan", args=[self.object.pk])


class StepDocumentView(ScopedPageMixin, View):
    permission_required = "onboarding.directory"
    model = OnboardingStep
    object_view = True

    def get(self, request, *args, **kwargs):
        return downloads.serve_step_document(self.object)


class TemplateListView(ScopedPageMixin, TemplateView):
    template_name = "manager/onboarding/templates.html"
    permission_required = "onboarding_template.view"

    def get_context_data(self, **kwargs):
        templates = list(selectors.template_list(user=self.request.user))
        covered = {t.partner_type for t in templates}
        from partners.models import PartnerType

        missing = [label for value, label in PartnerType.choices if value not in covered]
        return super().get_context_data(templates=templates, missing_types=missing, **kwargs)


class TemplateCreateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = FORM_TEMPLATE
    permission_required = "onboarding_template.manage"
    form_class = TemplateForm
    serializer_class = OnboardingTemplateSerializer
    success_message = "Template created."
    extra_context = {"title": "New onboarding template", "cancel_url": reverse_lazy("manage:onboarding-templates")}

    def perform(self, data):
        return services.onboarding_template_create(actor=self.request.user, data=data)

    def get_success_url(self, result):
        return reverse("manage:onboarding-templates") + f"#template-{result.pk}"


class TemplateStepCreateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = FORM_TEMPLATE
    permission_required = "onboarding_template.manage"
    model = OnboardingTemplate
    object_view = True
    form_class = TemplateStepForm
    serializer_class = OnboardingTemplateStepSerializer
    success_message = "Step added. New plans get it; existing plans keep their steps."

    def get_initial(self):
        return {"owner": StepOwner.PARTNER, "due_offset_days": 7}

    def get_serializer(self, data):
        return self.serializer_class(data={**data, "template": self.object.pk}, context={"request": self.request})

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=f"New step in “{self.object.name}”", cancel_url=reverse("manage:onboarding-templates"), **kwargs
        )

    def perform(self, data):
        data = {k: v for k, v in data.items() if k != "template"}
        return services.onboarding_template_step_create(actor=self.request.user, template=self.object, data=data)

    def get_success_url(self, result):
        return reverse("manage:onboarding-templates") + f"#template-{self.object.pk}"


class TemplateStepUpdateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = FORM_TEMPLATE
    permission_required = "onboarding_template.manage"
    queryset = OnboardingTemplateStep.objects.select_related("template")
    object_view = True
    form_class = TemplateStepForm
    serializer_class = OnboardingTemplateStepSerializer
    success_message = "Step saved. New plans get the change; existing plans keep their steps."

    def get_initial(self):
        step = self.object
        return {f: getattr(step, f) for f in TemplateStepForm.base_fields if f != "required_course"} | {
            "required_course": step.required_course_id
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=f"Edit step “{self.object.title}”", cancel_url=reverse("manage:onboarding-templates"), **kwargs
        )

    def perform(self, data):
        return services.onboarding_template_step_update(actor=self.request.user, step=self.object, data=data)

    def get_success_url(self, result):
        return reverse("manage:onboarding-templates") + f"#template-{self.object.template_id}"


# --- enablement ----------------------------------------------------------------------------------------------


class EnablementView(ScopedPageMixin, TemplateView):
    """Courses with enrollment, pass and certification counts."""

    template_name = "manager/onboarding/enablement.html"
    permission_required = "portal.manager"

    def get_context_data(self, **kwargs):
        return super().get_context_data(courses=selectors.course_list(user=self.request.user), **kwargs)


def _audience_initial(obj) -> dict:
    return {
        "audience_tiers": [t.pk for t in obj.audience_tiers.all()],
        "audience_partner_types": obj.partner_type_list,
        "audience_countries": obj.country_list,
    }


class CourseCreateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = FORM_TEMPLATE
    permission_required = "course.manage"
    form_class = CourseForm
    serializer_class = CourseSerializer
    success_message = "Course created. Add modules and quiz questions, then publish it."
    extra_context = {"title": "New course", "cancel_url": reverse_lazy("manage:enablement")}

    def get_initial(self):
        return {"pass_mark_percent": 80, "validity_months": 12}

    def perform(self, data):
        return services.course_create(actor=self.request.user, data=data)


class CourseUpdateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = FORM_TEMPLATE
    permission_required = "course.manage"
    model = Course
    object_view = True
    form_class = CourseForm
    serializer_class = CourseSerializer
    success_message = "Course saved."

    def get_initial(self):
        course = self.object
        plain = {f: getattr(course, f) for f in ("title", "description", "pass_mark_percent", "validity_months")}
        return plain | {"published": course.published} | _audience_initial(course)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=f"Edit course “{self.object.title}”", cancel_url=self.object.get_absolute_url(), **kwargs
        )

    def perform(self, data):
        return services.course_update(actor=self.request.user, course=self.object, data=data)


class CourseDetailView(ScopedPageMixin, TemplateView):
    template_name = "manager/onboarding/course_detail.html"
    permission_required = "portal.manager"
    queryset = Course.objects.prefetch_related("audience_tiers")
    object_view = True

    def get_context_data(self, **kwargs):
        course = self.object
        stats = selectors.course_list(user=self.request.user).get(pk=course.pk)
        return super().get_context_data(
            course=course,
            stats=stats,
            history=audit.history_for(course),
            **selectors.course_detail(course),
            **kwargs,
        )


class ModuleCreateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = FORM_TEMPLATE
    permission_required = "course.manage"
    model = Course
    object_view = True
    form_class = CourseModuleForm
    serializer_class = CourseModuleSerializer
    success_message = "Module added."

    def get_initial(self):
        return {"kind": "text"}

    def get_serializer(self, data):
        return self.serializer_class(data={**data, "course": self.object.pk}, context={"request": self.request})

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=f"New module in “{self.object.title}”", cancel_url=self.object.get_absolute_url(), **kwargs
        )

    def perform(self, data):
        data = {k: v for k, v in data.items() if k != "course"}
        return services.course_module_create(actor=self.request.user, course=self.object, data=data)

    def get_success_url(self, result):
        return self.object.get_absolute_url() + "#modules"


class ModuleUpdateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = FORM_TEMPLATE
    permission_required = "course.manage"
    queryset = CourseModule.objects.select_related("course")
    object_view = True
    form_class = CourseModuleForm
    serializer_class = CourseModuleSerializer
    success_message = "Module saved."

    def get_initial(self):
        m = self.object
        return {"title": m.title, "kind": m.kind, "order": m.order, "url": m.url, "body": m.body}

    def get_context_data(self, **kwargs):
        current = f" Current file: {self.object.file_name}." if self.object.file else ""
        return super().get_context_data(
            title=f"Edit module “{self.object.title}”",
            cancel_url=self.object.course.get_absolute_url(),
            note=f"Upload a file only to replace it.{current}",
            **kwargs,
        )

    def perform(self, data):
        return services.course_module_update(actor=self.request.user, module=self.object, data=data)

    def get_success_url(self, result):
        return self.object.course.get_absolute_url() + "#modules"


class ModuleFileView(ScopedPageMixin, View):
    permission_required = "portal.manager"
    model = CourseModule
    object_view = True

    def get(self, request, *args, **kwargs):
        return downloads.serve_module_file(self.object)


class QuestionCreateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = FORM_TEMPLATE
    permission_required = "course.manage"
    model = Course
    object_view = True
    form_class = QuizQuestionForm
    serializer_class = QuizQuestionSerializer
    success_message = "Question added."

    def get_initial(self):
        return {"correct": "1"}

    def get_serializer(self, data):
        correct = data.get("correct")
        choices = [
            {"text": data[f"choice_{i}"], "is_correct": str(i) == correct}
            for i in range(1, 5)
            if (data.get(f"choice_{i}") or "").strip()
        ]
        payload = {"course": self.object.pk, "text": data.get("text", ""), "choices": choices}
        return self.serializer_class(data=payload, context={"request": self.request})

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=f"New quiz question in “{self.object.title}”", cancel_url=self.object.get_absolute_url(), **kwargs
        )

    def perform(self, data):
        data = {k: v for k, v in data.items() if k != "course"}
        return services.quiz_question_create(actor=self.request.user, course=self.object, data=data)

    def get_success_url(self, result):
        return self.object.get_absolute_url() + "#questions"


# --- resources -----------------------------------------------------------------------------------------------


class ResourceListView(ListPageMixin, ScopedPageMixin, TemplateView):
    template_name = "manager/onboarding/resources.html"
    permission_required = "portal.manager"
    partial_template = "manager/onboarding/_resource_table.html"

    def get_context_data(self, **kwargs):
        result = selectors.resource_list_for_staff(actor=self.request.user, params=self.request.GET)
        return super().get_context_data(**self.list_context(result), **kwargs)


class ResourceCreateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = FORM_TEMPLATE
    permission_required = "resource.manage"
    form_class = ResourceForm
    serializer_class = ResourceSerializer
    success_message = "Resource added."
    extra_context = {"title": "New resource", "cancel_url": reverse_lazy("manage:resources")}

    def perform(self, data):
        return services.resource_create(actor=self.request.user, data=data)


class ResourceUpdateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = FORM_TEMPLATE
    permission_required = "resource.manage"
    model = Resource
    object_view = True
    form_class = ResourceForm
    serializer_class = ResourceSerializer
    success_message = "Resource saved."

    def get_initial(self):
        r = self.object
        return {"title": r.title, "category": r.category, "description": r.description} | _audience_initial(r)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=f"Edit “{self.object.title}”",
            cancel_url=reverse("manage:resources"),
            note="Leave the file and link empty to keep the current version; a new one becomes the next version.",
            versions=self.object.versions.select_related("created_by").order_by("-number"),
            **kwargs,
        )

    def perform(self, data):
        return services.resource_update(actor=self.request.user, resource=self.object, data=data)


class ResourceDownloadView(ScopedPageMixin, View):
    permission_required = "portal.manager"
    queryset = Resource.objects.select_related("current_version")
    object_view = True

    def get(self, request, *args, **kwargs):
        return downloads.resource_download(user=request.user, resource=self.object)
