from django.urls import path

from prm.pages import ComingSoonView

from . import views

app_name = "manage"


def coming_soon(area: str, blurb: str):
    return ComingSoonView.as_view(area=area, blurb=blurb)


urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("partners/", views.PartnerListView.as_view(), name="partner-list"),
    path("partners/export.csv", views.PartnerExportView.as_view(), name="partner-export"),
    path("partners/new/", views.PartnerCreateView.as_view(), name="partner-create"),
    path("partners/<int:pk>/", views.PartnerDetailView.as_view(), name="partner-detail"),
    path("partners/<int:pk>/edit/", views.PartnerUpdateView.as_view(), name="partner-edit"),
    path("partners/<int:pk>/agreements/new/", views.AgreementCreateView.as_view(), name="agreement-create"),
    path("agreements/<int:pk>/edit/", views.AgreementUpdateView.as_view(), name="agreement-edit"),
    path("tiers/", views.TierListView.as_view(), name="tier-list"),
    path("tiers/new/", views.TierCreateView.as_view(), name="tier-create"),
    path("tiers/<int:pk>/edit/", views.TierUpdateView.as_view(), name="tier-edit"),
    path(
        "applications/",
        coming_soon("Applications", "Partner applications, screening and fit scoring."),
        name="applications",
    ),
    path(
        "onboarding/",
        coming_soon("Onboarding", "Onboarding plans and checklists for every new partner."),
        name="onboarding",
    ),
    path(
        "enablement/", coming_soon("Training", "Courses, certifications and the resource library."), name="enablement"
    ),
    path("deals/", coming_soon("Deals", "Deal registration, conflict detection and approvals."), name="deals"),
    path("leads/", coming_soon("Leads", "Lead distribution to partners."), name="leads"),
    path("incentives/", coming_soon("Incentives", "Rebates, SPIFFs, accruals and payouts."), name="incentives"),
    path("mdf/", coming_soon("MDF", "Market development funds: requests and claims."), name="mdf"),
    path(
        "performance/", coming_soon("Scorecards", "Partner KPIs, scorecards and tier evaluation."), name="performance"
    ),
]
