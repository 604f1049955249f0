from django.urls import path

from prm.pages import coming_soon

from . import portal_views, views

manager_urlpatterns = [
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

portal_urlpatterns = [
    path("", portal_views.PortalHomeView.as_view(), name="home"),
    path("agreements/", portal_views.PortalAgreementsView.as_view(), name="agreements"),
    path("users/", portal_views.PortalUsersView.as_view(), name="users"),
    path("users/<int:pk>/deactivate/", portal_views.UserDeactivateView.as_view(), name="user-deactivate"),
    path("users/<int:pk>/reactivate/", portal_views.UserReactivateView.as_view(), name="user-reactivate"),
]
