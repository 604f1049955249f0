"""Engage pages: announcements (manager: write and read counts; partner: read) and satisfaction surveys."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.generic import TemplateView

from prm.pages import PortalPageMixin, ScopedPageMixin, SerializerFormMixin
from prm.permissions import has_perm

from ..models import NPS_QUESTION, Announcement, Survey
from . import selectors, services
from .forms import AnnouncementForm, SurveyForm, SurveyResponseForm
from .serializers import AnnouncementSerializer, SurveyResponseSerializer, SurveySerializer

# --- manager portal: announcements ---------------------------------------------------------------------------


class AnnouncementListView(ScopedPageMixin, TemplateView):
    template_name = "manager/engage/announcement_list.html"
    permission_required = "portal.manager"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            announcements=selectors.announcements_for(user=self.request.user), now=timezone.now(), **kwargs
        )


class AnnouncementCreateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = "manager/engage/announcement_form.html"
    permission_required = "announcement.manage"
    form_class = AnnouncementForm
    serializer_class = AnnouncementSerializer
    success_message = "Announcement saved."
    extra_context = {"title": "New announcement", "cancel_url": reverse_lazy("manage:announcements")}

    def get_initial(self):
        return {"publish_at": timezone.localtime().replace(second=0, microsecond=0), "kind": "announcement"}

    def perform(self, data):
        return services.announcement_create(actor=self.request.user, data=data)

    def get_success_url(self, result):
        return reverse("manage:announcements")


class AnnouncementUpdateView(AnnouncementCreateView):
    model = Announcement
    object_view = True

    def get_initial(self):
        a = self.object
        return {
            "title": a.title,
            "kind": a.kind,
            "body": a.body,
            "publish_at": timezone.localtime(a.publish_at),
            "audience_tiers": [t.pk for t in a.audience_tiers.all()],
            "audience_partner_types": a.partner_types,
            "audience_countries": a.countries,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=f"Edit “{self.object.title}”", **kwargs)

    def perform(self, data):
        return services.announcement_update(actor=self.request.user, announcement=self.object, data=data)


# --- partner portal: announcements ---------------------------------------------------------------------------


class PortalAnnouncementListView(PortalPageMixin, TemplateView):
    template_name = "portal/engage/announcement_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(announcements=selectors.announcements_for(user=self.request.user), **kwargs)


class PortalAnnouncementDetailView(PortalPageMixin, TemplateView):
    """Opening an announcement marks it read for the user (a read receipt, once)."""

    template_name = "portal/engage/announcement_detail.html"
    model = Announcement
    object_view = True

    def get(self, request, *args, **kwargs):
        services.announcement_mark_read(actor=request.user, announcement=self.object)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(announcement=self.object, **kwargs)


# --- manager portal: surveys ---------------------------------------------------------------------------------


class SurveyListView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    """The surveys with their NPS; a program manager starts a new one from the same page."""

    template_name = "manager/engage/survey_list.html"
    permission_required = "survey.results"
    form_class = SurveyForm
    serializer_class = SurveySerializer
    success_message = "Survey created."

    def post(self, request, *args, **kwargs):
        if not has_perm(request.user, "survey.manage"):
            raise PermissionDenied("Your role cannot create surveys.")
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        today = timezone.localdate()
        return {
            "title": f"Partner satisfaction {today:%B %Y}",
            "question": NPS_QUESTION,
            "opens_on": today,
            "closes_on": today + timezone.timedelta(days=30),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            surveys=selectors.survey_list(user=self.request.user), today=timezone.localdate(), **kwargs
        )

    def perform(self, data):
        return services.survey_create(actor=self.request.user, data=data)

    def get_success_url(self, result):
        return reverse("manage:survey-detail", args=[result.pk])


class SurveyResultsView(ScopedPageMixin, TemplateView):
    template_name = "manager/engage/survey_detail.html"
    permission_required = "survey.results"
    model = Survey
    object_view = True

    def get_context_data(self, **kwargs):
        results = selectors.survey_results(user=self.request.user, survey=self.object)
        return super().get_context_data(survey=self.object, **results, **kwargs)


# --- partner portal: surveys ---------------------------------------------------------------------------------


class PortalSurveysView(PortalPageMixin, TemplateView):
    template_name = "portal/engage/surveys.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", SurveyResponseForm(request=self.request))
        return super().get_context_data(
            surveys=selectors.open_surveys_for(user=self.request.user), scale=range(11), **kwargs
        )


class PortalSurveyRespondView(SerializerFormMixin, PortalSurveysView):
    """POST only: the answer, validated by the API's serializer and written by the same service."""

    template_name = "portal/engage/surveys.html"
    permission_required = "survey.respond"
    model = Survey
    object_view = True
    http_method_names = ["post"]
    form_class = SurveyResponseForm
    serializer_class = SurveyResponseSerializer
    success_message = "Thank you for your answer!"

    def get_serializer(self, data):
        return self.serializer_class(data={**data, "survey": self.object.pk}, context={"request": self.request})

    def get_context_data(self, **kwargs):
        return super().get_context_data(posted_survey=self.object.pk, **kwargs)

    def perform(self, data):
        return services.survey_respond(
            actor=self.request.user, survey=self.object, score=data["score"], comment=data.get("comment", "")
        )

    def get_success_url(self, result):
        return reverse("portal:surveys")
