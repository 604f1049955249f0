from django.urls import path

from . import portal_views, views
from .cases import views as case_views
from .engage import views as engage_views
from .recruit import views as recruit_views

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
    # recruit
    path("applications/", recruit_views.ApplicationListView.as_view(), name="applications"),
    path("applications/<int:pk>/", recruit_views.ApplicationDetailView.as_view(), name="application-detail"),
    path("applications/<int:pk>/approve/", recruit_views.ApplicationApproveView.as_view(), name="application-approve"),
    path("applications/<int:pk>/reject/", recruit_views.ApplicationRejectView.as_view(), name="application-reject"),
    path("applications/criteria/", recruit_views.CriterionListView.as_view(), name="criteria"),
    path("applications/criteria/new/", recruit_views.CriterionCreateView.as_view(), name="criterion-create"),
    path("applications/criteria/<int:pk>/edit/", recruit_views.CriterionUpdateView.as_view(), name="criterion-edit"),
    # engage
    path("announcements/", engage_views.AnnouncementListView.as_view(), name="announcements"),
    path("announcements/new/", engage_views.AnnouncementCreateView.as_view(), name="announcement-create"),
    path("announcements/<int:pk>/edit/", engage_views.AnnouncementUpdateView.as_view(), name="announcement-edit"),
    path("surveys/", engage_views.SurveyListView.as_view(), name="surveys"),
    path("surveys/<int:pk>/", engage_views.SurveyResultsView.as_view(), name="survey-detail"),
    # cases (disputes)
    path("cases/", case_views.CaseListView.as_view(), name="cases"),
    path("cases/new/", case_views.CaseCreateView.as_view(), name="case-create"),
    path("cases/<int:pk>/", case_views.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:pk>/review/", case_views.CaseReviewView.as_view(), name="case-review"),
    path("cases/<int:pk>/resolve/", case_views.CaseResolveView.as_view(), name="case-resolve"),
    path("cases/<int:pk>/close/", case_views.CaseCloseView.as_view(), name="case-close"),
    path("cases/<int:pk>/assign/", case_views.CaseAssignView.as_view(), name="case-assign"),
    path("cases/<int:pk>/messages/", case_views.CaseMessageView.as_view(), name="case-message"),
]

portal_urlpatterns = [
    path("", portal_views.PortalHomeView.as_view(), name="home"),
    path("agreements/", portal_views.PortalAgreementsView.as_view(), name="agreements"),
    path("users/", portal_views.PortalUsersView.as_view(), name="users"),
    path("users/<int:pk>/deactivate/", portal_views.UserDeactivateView.as_view(), name="user-deactivate"),
    path("users/<int:pk>/reactivate/", portal_views.UserReactivateView.as_view(), name="user-reactivate"),
    path("announcements/", engage_views.PortalAnnouncementListView.as_view(), name="announcements"),
    path(
        "announcements/<int:pk>/",
        engage_views.PortalAnnouncementDetailView.as_view(),
        name="announcement-detail",
    ),
    path("surveys/", engage_views.PortalSurveysView.as_view(), name="surveys"),
    path("surveys/<int:pk>/answer/", engage_views.PortalSurveyRespondView.as_view(), name="survey-respond"),
    path("cases/", case_views.PortalCaseListView.as_view(), name="cases"),
    path("cases/new/", case_views.PortalCaseOpenView.as_view(), name="case-open"),
    path("cases/<int:pk>/", case_views.PortalCaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:pk>/messages/", case_views.PortalCaseMessageView.as_view(), name="case-message"),
    path("cases/<int:pk>/close/", case_views.PortalCaseCloseView.as_view(), name="case-close"),
]

# Pages anyone may open, signed in or not (mounted at the site root by prm/urls.py).
public_urlpatterns = [
    path("apply/", recruit_views.ApplyView.as_view(), name="apply"),
    path("apply/thanks/", recruit_views.ApplyThanksView.as_view(), name="apply-thanks"),
]
