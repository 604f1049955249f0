"""Recruit pages: the public application form and the manager portal's screening queue and page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.views.generic import TemplateView

from prm import audit
from prm.api.throttling import ApplyThrottle, page_wait
from prm.pages import (
    PAGE_ERRORS,
    ActionPageView,
    ListPageMixin,
    ScopedPageMixin,
    SerializerFormMixin,
    errors_as_messages,
)
from prm.permissions import has_perm

from ..models import APPLICATION_STATES, Application, ApplicationStatus, CustomerSegment, Region, ScreeningCriterion
from . import selectors, services
from .forms import ApplicationForm, CriterionForm, RejectForm
from .serializers import (
    ApplicationSubmitSerializer,
    RejectSerializer,
    ScoreSheetSerializer,
    ScreeningCriterionSerializer,
)

# --- public --------------------------------------------------------------------------------------------------


class ApplyView(SerializerFormMixin, TemplateView):
    """ "Become a partner": no sign-in. Throttled per client address like the API, validated by the API's
    serializer and written by the same service."""

    template_name = "public/apply.html"
    form_class = ApplicationForm
    serializer_class = ApplicationSubmitSerializer
    success_message = "Thank you! Your application is in; our partner team will be in touch."

    def post(self, request, *args, **kwargs):
        wait = page_wait(ApplyThrottle, request, self)
        if wait is not None:
            context = self.get_context_data(form=self.get_form(data=request.POST))
            context["throttled"] = f"Too many applications from your network. Try again in {wait // 60 + 1} minutes."
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def get_serializer(self, data):
        return self.serializer_class(data=data, context={"request": self.request})

    def get_serializer_data(self, post):
        data = super().get_serializer_data(post)
        return {k: v for k, v in data.items() if v != ""}  # an empty optional field is "not given"

    def perform(self, data):
        actor = self.request.user if self.request.user.is_authenticated else None
        application, created = services.application_submit(actor=actor, data=data)
        if not created:
            self.success_message = (
                "We already have your application for this domain from this email address; "
                "our partner team will be in touch."
            )
        return application

    def get_success_url(self, result):
        return reverse("apply-thanks")


class ApplyThanksView(TemplateView):
    template_name = "public/apply_thanks.html"


# --- manager portal ----------------------------------------------------------------------------------------------


class ApplicationListView(ListPageMixin, ScopedPageMixin, TemplateView):
    template_name = "manager/recruit/application_list.html"
    partial_template = "manager/recruit/_application_table.html"
    permission_required = "application.view"

    def get_context_data(self, **kwargs):
        result = selectors.application_list(actor=self.request.user, params=self.request.GET)
        return super().get_context_data(
            **self.list_context(result),
            counts=selectors.application_counts(user=self.request.user),
            statuses=ApplicationStatus.choices,
            **kwargs,
        )


class ApplicationDetailView(ScopedPageMixin, TemplateView):
    """The screening page: the applicant's answers, the criteria to score, the decision buttons."""

    template_name = "manager/recruit/application_detail.html"
    permission_required = "application.view"
    queryset = Application.objects.select_related(
        "duplicate_of_partner", "duplicate_of_application", "partner", "decided_by"
    )
    object_view = True

    def get_context_data(self, **kwargs):
        application = self.object
        kwargs.setdefault("reject_form", RejectForm())
        return super().get_context_data(
            application=application,
            sheet=selectors.screening_sheet(user=self.request.user, application=application),
            segments=[CustomerSegment(s).label for s in application.customer_segments if s in CustomerSegment.values],
            regions=[Region(r).label for r in application.regions_covered if r in Region.values],
            can_approve=APPLICATION_STATES.can(application.status, ApplicationStatus.APPROVED),
            can_reject=APPLICATION_STATES.can(application.status, ApplicationStatus.REJECTED),
            history=audit.history_for(application, related=application.scores.all(), limit=50),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        """Save the scores: the same serializer and service as `POST /api/v1/applications/{id}/score/`."""
        if not has_perm(request.user, "application.screen"):
            raise PermissionDenied("Your role cannot score applications.")
        scores = []
        for criterion in ScreeningCriterion.objects.filter(active=True):
            value = request.POST.get(f"score_{criterion.pk}", "").strip()
            if value:
                scores.append(
                    {"criterion": criterion.pk, "score": value, "note": request.POST.get(f"note_{criterion.pk}", "")}
                )
        serializer = ScoreSheetSerializer(data={"scores": scores}, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
            services.application_score(
                actor=request.user, application=self.object, scores=serializer.validated_data["scores"]
            )
        except PAGE_ERRORS as exc:
            for message in errors_as_messages(exc):
                messages.error(request, message)
            return render(request, self.template_name, self.get_context_data(), status=400)
        messages.success(request, "Scores saved.")
        return HttpResponseRedirect(reverse("manage:application-detail", args=[self.object.pk]))


class _DecisionView(ActionPageView):
    permission_required = "application.decide"
    model = Application

    def get_success_url(self):
        return reverse("manage:application-detail", args=[self.object.pk])


class ApplicationApproveView(_DecisionView):
    def perform(self, data):
        application = services.application_approve(actor=self.request.user, application=self.object)
        return (
            f"Approved: {application.partner.name} is a partner now; {application.contact_email} "
            "has been invited to set a password."
        )


class ApplicationRejectView(_DecisionView):
    serializer_class = RejectSerializer
    error_prefix = "Not rejected: "

    def get_serializer_data(self):
        return {"reason": self.request.POST.get("reason", "")}

    def perform(self, data):
        services.application_reject(actor=self.request.user, application=self.object, reason=data["reason"])
        return f"Rejected; {self.object.contact_email} has been told why."


class CriterionListView(ScopedPageMixin, TemplateView):
    template_name = "manager/recruit/criterion_list.html"
    permission_required = "criterion.view"
    model = ScreeningCriterion

    def get_context_data(self, **kwargs):
        criteria = list(self.get_queryset())
        total = sum(c.weight for c in criteria if c.active) or 1
        for c in criteria:
            c.share = round(100 * c.weight / total) if c.active else 0
        return super().get_context_data(criteria=criteria, **kwargs)


class CriterionCreateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = "manager/form.html"
    permission_required = "criterion.manage"
    form_class = CriterionForm
    serializer_class = ScreeningCriterionSerializer
    success_message = "Criterion added."
    extra_context = {"title": "New screening criterion", "cancel_url": reverse_lazy("manage:criteria")}

    def get_initial(self):
        return {"weight": 1, "position": ScreeningCriterion.objects.count() + 1, "active": True}

    def perform(self, data):
        return services.criterion_create(actor=self.request.user, data=data)

    def get_success_url(self, result):
        return reverse("manage:criteria")


class CriterionUpdateView(CriterionCreateView):
    model = ScreeningCriterion
    object_view = True
    success_message = "Criterion saved."

    def get_initial(self):
        return {f: getattr(self.object, f) for f in CriterionForm.base_fields}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=f"Edit criterion “{self.object.name}”", **kwargs)

    def perform(self, data):
        return services.criterion_update(actor=self.request.user, criterion=self.object, data=data)
