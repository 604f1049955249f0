"""Manager-portal pages for partners, tiers and agreements. Thin: selectors read, services write."""

from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.generic import TemplateView

from prm.exports import csv_response
from prm.pages import ListPageMixin, ScopedPageMixin, SerializerFormMixin

from . import selectors, services
from .forms import AgreementForm, PartnerForm, TierForm
from .models import Agreement, Partner, Tier
from .serializers import AgreementSerializer, PartnerSerializer, TierSerializer


class DashboardView(ScopedPageMixin, TemplateView):
    template_name = "manager/dashboard.html"
    permission_required = "portal.manager"

    def get_context_data(self, **kwargs):
        return super().get_context_data(overview=selectors.program_overview(user=self.request.user), **kwargs)


class PartnerListView(ListPageMixin, ScopedPageMixin, TemplateView):
    template_name = "manager/partner_list.html"
    partial_template = "manager/_partner_table.html"
    permission_required = "partner.directory"

    def get_context_data(self, **kwargs):
        result = selectors.partner_list(actor=self.request.user, params=self.request.GET)
        return super().get_context_data(**self.list_context(result), **kwargs)


class PartnerExportView(ScopedPageMixin, TemplateView):
    """The directory as CSV, with the same filters and sort; streamed, so 10,000 rows cost no memory."""

    permission_required = "partner.export"
    columns = ["id", "name", "domain", "country", "city", "partner_type", "status", "tier", "manager", "joined_on"]

    def get(self, request, *args, **kwargs):
        queryset = selectors.partner_list(actor=request.user, params=request.GET).queryset
        rows = (
            [
                p.pk,
                p.name,
                p.domain,
                p.country.code,
                p.city,
                p.partner_type,
                p.status,
                p.tier.name if p.tier else "",
                p.manager.email if p.manager else "",
                p.joined_on.isoformat(),
            ]
            for p in queryset.iterator(chunk_size=2000)
        )
        return csv_response("partners", self.columns, rows)


class PartnerDetailView(ScopedPageMixin, TemplateView):
    template_name = "manager/partner_detail.html"
    permission_required = "partner.directory"
    queryset = Partner.objects.select_related("tier", "manager")
    object_view = True

    def get_context_data(self, **kwargs):
        from performance.partner_views import partner_card_context  # the card belongs to the performance app

        detail = selectors.partner_detail(user=self.request.user, partner=self.object)
        card = partner_card_context(self.request.user, self.object)
        return super().get_context_data(partner=self.object, **detail, **card, **kwargs)


class PartnerCreateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = "manager/form.html"
    permission_required = "partner.manage"
    form_class = PartnerForm
    serializer_class = PartnerSerializer
    success_message = "Partner created."
    extra_context = {"title": "New partner", "cancel_url": reverse_lazy("manage:partner-list")}

    def perform(self, data):
        return services.partner_create(actor=self.request.user, data=data)

    def get_success_url(self, result):
        return reverse("manage:partner-detail", args=[result.pk])


class PartnerUpdateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = "manager/form.html"
    permission_required = "partner.manage"
    model = Partner
    object_view = True
    form_class = PartnerForm
    serializer_class = PartnerSerializer
    success_message = "Partner saved."

    def get_initial(self):
        p = self.object
        return {f: getattr(p, f) for f in PartnerForm.base_fields if f not in ("tier", "manager", "country")} | {
            "tier": p.tier_id,
            "manager": p.manager_id,
            "country": p.country.code,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=f"Edit {self.object.name}", cancel_url=self._detail_url(), **kwargs)

    def _detail_url(self):
        return reverse("manage:partner-detail", args=[self.object.pk])

    def perform(self, data):
        return services.partner_update(actor=self.request.user, partner=self.object, data=data)

    def get_success_url(self, result):
        return self._detail_url()


class TierListView(ScopedPageMixin, TemplateView):
    template_name = "manager/tier_list.html"
    permission_required = "portal.manager"
    model = Tier

    def get_context_data(self, **kwargs):
        from django.db.models import Count

        tiers = self.get_queryset().annotate(partner_count=Count("partners")).order_by("-rank")
        return super().get_context_data(tiers=tiers, **kwargs)


class TierCreateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = "manager/form.html"
    permission_required = "tier.manage"
    form_class = TierForm
    serializer_class = TierSerializer
    success_message = "Tier created."
    extra_context = {"title": "New tier", "cancel_url": reverse_lazy("manage:tier-list")}

    def get_initial(self):
        return {
            "min_revenue": 0,
            "min_won_deals": 0,
            "min_certified_users": 0,
            "deal_protection_days": 90,
            "rebate_percent": 0,
        }

    def perform(self, data):
        return services.tier_create(actor=self.request.user, data=data)

    def get_success_url(self, result):
        return reverse("manage:tier-list")


class TierUpdateView(TierCreateView):
    model = Tier
    object_view = True
    success_message = "Tier saved."
    extra_context = {"cancel_url": reverse_lazy("manage:tier-list")}

    def get_initial(self):
        return {f: getattr(self.object, f) for f in TierForm.base_fields}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=f"Edit tier {self.object.name}", **kwargs)

    def perform(self, data):
        return services.tier_update(actor=self.request.user, tier=self.object, data=data)


class AgreementCreateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    """A new agreement for the partner in the URL (the partner is the object this view is scoped by)."""

    template_name = "manager/form.html"
    permission_required = "agreement.manage"
    model = Partner
    object_view = True
    form_class = AgreementForm
    serializer_class = AgreementSerializer
    success_message = "Agreement added."

    def get_initial(self):
        return {"starts_on": timezone.localdate()}

    def get_serializer(self, data):
        return self.serializer_class(data={**data, "partner": self.object.pk}, context={"request": self.request})

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=f"New agreement with {self.object.name}",
            cancel_url=reverse("manage:partner-detail", args=[self.object.pk]),
            **kwargs,
        )

    def perform(self, data):
        data = {k: v for k, v in data.items() if k != "partner"}
        return services.agreement_create(actor=self.request.user, partner=self.object, data=data)

    def get_success_url(self, result):
        return reverse("manage:partner-detail", args=[self.object.pk]) + "#agreements"


class AgreementUpdateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = "manager/form.html"
    permission_required = "agreement.manage"
    queryset = Agreement.objects.select_related("partner")
    object_view = True
    form_class = AgreementForm
    serializer_class = AgreementSerializer
    success_message = "Agreement saved."

    def get_initial(self):
        return {f: getattr(self.object, f) for f in AgreementForm.base_fields}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=f"Edit agreement “{self.object.title}”",
            cancel_url=reverse("manage:partner-detail", args=[self.object.partner_id]),
            **kwargs,
        )

    def perform(self, data):
        return services.agreement_update(actor=self.request.user, agreement=self.object, data=data)

    def get_success_url(self, result):
        return reverse("manage:partner-detail", args=[result.partner_id]) + "#agreements"
