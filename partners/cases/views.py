"""Case pages. Manager portal: the list (filters, sort by SLA or age, pages), a form to open a case, the case
page (thread with internal notes, status actions, resolution, history). Partner portal: its own cases, a
form to open one, the case page (thread without internal notes, withdraw). Writes go through the services."""

from django.urls import reverse, reverse_lazy
from django.views.generic import TemplateView

from prm.pages import ActionPageView, ListPageMixin, PortalPageMixin, ScopedPageMixin, SerializerFormMixin

from ..models import Case, CaseKind, CaseStatus
from . import selectors, services
from .forms import ManagerCaseForm, MessageForm, PortalCaseForm, ResolutionForm
from .serializers import AssignSerializer, CaseMessageSerializer, CaseSerializer, CloseSerializer, ResolutionSerializer

CASE_QUERYSET = Case.objects.select_related("partner__manager", "owner", "opened_by", "resolved_by", "deal")


class _CaseListMixin(ListPageMixin):
    def get_context_data(self, **kwargs):
        result = selectors.case_list(actor=self.request.user, params=self.request.GET)
        return super().get_context_data(
            **self.list_context(result),
            statuses=CaseStatus.choices,
            kinds=CaseKind.choices,
            counts=selectors.case_counts(user=self.request.user),
            **kwargs,
        )


class _CaseActionView(ActionPageView):
    """POST only: one action on one case (looked up through tenancy first), then back to the case page of the
    portal it was posted from. `perform()` returns what happened."""

    queryset = CASE_QUERYSET
    namespace = "manage"
    permission_required = "portal.manager"

    def get_success_url(self):
        return reverse(f"{self.namespace}:case-detail", args=[self.object.pk])


class _MessageRun:
    def perform(self, data) -> str:
        data = self.validated(CaseMessageSerializer)
        message = services.case_message_post(
            actor=self.request.user, case=self.object, body=data["body"], internal=data.get("internal", False)
        )
        return "Internal note added." if message.internal else "Message sent."


# --- manager portal ------------------------------------------------------------------------------------------


class CaseListView(_CaseListMixin, ScopedPageMixin, TemplateView):
    template_name = "manager/cases/list.html"
    partial_template = "manager/cases/_table.html"
    permission_required = "portal.manager"


class CaseCreateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = "manager/form.html"
    permission_required = "case.manage"
    form_class = ManagerCaseForm
    serializer_class = CaseSerializer
    success_message = "Case opened."
    extra_context = {"title": "Open a case", "cancel_url": reverse_lazy("manage:cases")}

    def get_initial(self):
        initial = {"kind": CaseKind.DEAL_CONFLICT if self.request.GET.get("deal") else CaseKind.OTHER}
        for key in ("partner", "deal"):
            if self.request.GET.get(key, "").isdigit():
                initial[key] = int(self.request.GET[key])
        return initial

    def perform(self, data):
        return services.case_open(actor=self.request.user, data=data)

    def get_success_url(self, result):
        return reverse("manage:case-detail", args=[result.pk])


class CaseDetailView(ScopedPageMixin, TemplateView):
    template_name = "manager/cases/detail.html"
    permission_required = "portal.manager"
    queryset = CASE_QUERYSET
    object_view = True

    def get_context_data(self, **kwargs):
        from .filters import case_staff

        return super().get_context_data(
            **selectors.case_detail(user=self.request.user, case=self.object),
            message_form=MessageForm(request=self.request),
            resolution_form=ResolutionForm(request=self.request),
            staff=case_staff(self.request.user),
            **kwargs,
        )


class CaseReviewView(_CaseActionView):
    def perform(self, data):
        services.case_review(actor=self.request.user, case=self.object)
        return "Case in review: the partner can see that someone is on it."


class CaseResolveView(_CaseActionView):
    def perform(self, data):
        data = self.validated(ResolutionSerializer)
        services.case_resolve(actor=self.request.user, case=self.object, resolution=data["resolution"])
        return "Case resolved: the partner sees the resolution."


class CaseCloseView(_CaseActionView):
    def perform(self, data):
        data = self.validated(CloseSerializer)
        services.case_close(actor=self.request.user, case=self.object, reason=data["reason"])
        return "Case closed."


class CaseAssignView(_CaseActionView):
    def perform(self, data):
        data = self.validated(AssignSerializer)
        case = services.case_assign(actor=self.request.user, case=self.object, owner=data["owner"])
        return f"Case assigned to {case.owner.display_name}."


class CaseMessageView(_MessageRun, _CaseActionView):
    pass


# --- partner portal ------------------------------------------------------------------------------------------


class PortalCaseListView(_CaseListMixin, PortalPageMixin, TemplateView):
    template_name = "portal/cases/list.html"
    partial_template = "portal/cases/_table.html"


class PortalCaseOpenView(SerializerFormMixin, PortalPageMixin, TemplateView):
    template_name = "portal/cases/open.html"
    form_class = PortalCaseForm
    serializer_class = CaseSerializer
    success_message = "Case opened: your partner manager will answer here."

    def get_initial(self):
        deal = self.request.GET.get("deal", "")
        if deal.isdigit():
            return {"deal": int(deal), "kind": CaseKind.DEAL_CONFLICT}
        return {"kind": CaseKind.DEAL_CONFLICT}

    def perform(self, data):
        return services.case_open(actor=self.request.user, data=data)

    def get_success_url(self, result):
        return reverse("portal:case-detail", args=[result.pk])


class PortalCaseDetailView(PortalPageMixin, TemplateView):
    template_name = "portal/cases/detail.html"
    queryset = CASE_QUERYSET
    object_view = True

    def get_context_data(self, **kwargs):
        message_form = MessageForm(request=self.request)
        del message_form.fields["internal"]
        return super().get_context_data(
            **selectors.case_detail(user=self.request.user, case=self.object), message_form=message_form, **kwargs
        )


class _PortalCaseActionView(_CaseActionView):
    namespace = "portal"
    permission_required = "portal.partner"


class PortalCaseMessageView(_MessageRun, _PortalCaseActionView):
    pass


class PortalCaseCloseView(_PortalCaseActionView):
    def perform(self, data):
        data = self.validated(CloseSerializer)
        services.case_close(actor=self.request.user, case=self.object, reason=data["reason"])
        return "Case withdrawn."
