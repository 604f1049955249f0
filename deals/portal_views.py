"""Partner-portal deal and lead pages: the signed-in partner's own registrations and leads, nothing else."""

from __future__ import annotations

from django.contrib import messages
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from prm.api.throttling import page_wait
from prm.pages import ActionPageView, ListPageMixin, ScopedPageMixin, SerializerFormMixin

from . import lead_services, selectors, services
from .api import ConflictCheckThrottle
from .conflicts import discloses_conflicts, find_conflicts
from .forms import DealRegisterForm, LeadConvertForm
from .models import Lead
from .serializers import DealSerializer, LeadConvertSerializer, LeadDeclineSerializer
from .views import DealDetailView


class PortalDealListView(ListPageMixin, ScopedPageMixin, TemplateView):
    template_name = "portal/deals/list.html"
    partial_template = "portal/deals/_table.html"
    permission_required = "portal.partner"

    def get_context_data(self, **kwargs):
        result = selectors.deal_list(actor=self.request.user, params=self.request.GET)
        # one partner's deals: (partner, …) indexes make an exact count cheap
        context = self.list_context(result)
        return super().get_context_data(**context, totals=selectors.totals(result.queryset), **kwargs)


class DealRegisterView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = "portal/deals/register.html"
    permission_required = "deal.register"
    form_class = DealRegisterForm
    serializer_class = DealSerializer
    success_message = "Deal registered. A partner manager will review it within 2 business days."

    def perform(self, data):
        deal = services.deal_register(actor=self.request.user, data=data)
        if deal.detected_conflicts:
            if discloses_conflicts(self.request.user):
                others = ", ".join(sorted({m.deal.partner.name for m in deal.detected_conflicts}))
                messages.warning(self.request, f"Other partners have registered this customer too: {others}.")
            else:
                messages.warning(
                    self.request,
                    "Another partner has registered this customer too: a partner manager decides which "
                    "registration is protected.",
                )
        return deal

    def get_success_url(self, result):
        return reverse("portal:deal-detail", args=[result.pk])


class ConflictPreviewView(ScopedPageMixin, TemplateView):
    """htmx: who else has an active registration of the customer being typed (names and match only)."""

    template_name = "portal/deals/_conflicts.html"
    permission_required = "deal.register"

    def get(self, request, *args, **kwargs):
        # The API's per-user limit, shared: the preview must not be a way around it. htmx does not swap a 4xx
        # into the page, so its request gets the message with a 200; anything else gets the 429.
        wait = page_wait(ConflictCheckThrottle, request, self)
        if wait is not None:
            response = self.render_to_response(self.get_context_data(throttled_for=wait, **kwargs))
            response.status_code = 200 if request.htmx else 429
            response["Retry-After"] = str(wait)
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, *, throttled_for: int | None = None, **kwargs):
        name = self.request.GET.get("customer_name", "")[:200]
        domain = self.request.GET.get("customer_domain", "")[:253]
        asked = bool(name.strip()) and throttled_for is None
        user = self.request.user
        matches = find_conflicts(name=name, domain=domain, partner_id=user.partner_id) if asked else []
        disclose = discloses_conflicts(user)
        return super().get_context_data(
            matches=[m.as_dict(disclose=disclose) for m in matches],
            asked=asked,
            throttled_for=throttled_for,
            **kwargs,
        )


class PortalDealDetailView(DealDetailView):
    template_name = "portal/deals/detail.html"
    permission_required = "portal.partner"


class PortalLeadListView(ScopedPageMixin, TemplateView):
    template_name = "portal/deals/leads.html"
    permission_required = "portal.partner"

    def get_context_data(self, **kwargs):
        leads = selectors.lead_list(actor=self.request.user, params=self.request.GET).queryset
        return super().get_context_data(leads=list(leads[:200]), now=timezone.now(), **kwargs)


class _LeadActionView(ActionPageView):
    permission_required = "lead.respond"
    model = Lead

    def get_success_url(self):
        return reverse("portal:leads")


class LeadAcceptView(_LeadActionView):
    def perform(self, data):
        lead_services.lead_accept(actor=self.request.user, lead=self.object)
        return f"Lead accepted: register {self.object.customer_name} as a deal when you are ready."


class LeadDeclineView(_LeadActionView):
    serializer_class = LeadDeclineSerializer

    def perform(self, data):
        lead_services.lead_decline(actor=self.request.user, lead=self.object, reason=data.get("reason", ""))
        return "Lead declined; it goes back to the vendor."


class LeadConvertView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    """An accepted lead becomes a registered deal: the partner adds the amount and the close date."""

    template_name = "portal/deals/convert.html"
    permission_required = "lead.respond"
    model = Lead
    object_view = True
    form_class = LeadConvertForm
    serializer_class = LeadConvertSerializer
    success_message = "Lead converted into a registered deal."

    def get_serializer(self, data):
        return self.serializer_class(data=data, context={"request": self.request})

    def get_initial(self):
        lead = self.object
        return {
            "amount": lead.estimated_amount,
            "currency": lead.currency,
            "products": lead.products,
            "description": lead.description,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(lead=self.object, **kwargs)

    def perform(self, data):
        return lead_services.lead_convert(actor=self.request.user, lead=self.object, data=data)

    def get_success_url(self, result):
        return reverse("portal:deal-detail", args=[result.pk])
