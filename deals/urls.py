from django.urls import path

from . import portal_views, views

# Actions and files of one deal exist in both portals (same views; the namespace picks the way back).
_shared_deal_routes = [
    path("deals/<int:pk>/win/", views.DealWinView.as_view(), name="deal-win"),
    path("deals/<int:pk>/lose/", views.DealLoseView.as_view(), name="deal-lose"),
    path("deals/<int:pk>/comments/", views.DealCommentView.as_view(), name="deal-comment"),
    path("deals/<int:pk>/attachments/", views.DealAttachView.as_view(), name="deal-attach"),
    path("deals/files/<int:pk>/", views.DealAttachmentDownloadView.as_view(), name="deal-attachment"),
]

manager_urlpatterns = [
    path("deals/", views.DealListView.as_view(), name="deals"),
    path("deals/queue/", views.DealQueueView.as_view(), name="deal-queue"),
    path("deals/queue/decide/", views.DealBulkView.as_view(), name="deal-bulk"),
    path("deals/export.csv", views.DealExportView.as_view(), name="deal-export"),
    path("deals/<int:pk>/", views.DealDetailView.as_view(), name="deal-detail"),
    path("deals/<int:pk>/approve/", views.DealApproveView.as_view(), name="deal-approve"),
    path("deals/<int:pk>/reject/", views.DealRejectView.as_view(), name="deal-reject"),
    path("deals/<int:pk>/reopen/", views.DealReopenView.as_view(), name="deal-reopen"),
    path("deals/<int:pk>/correct/", views.DealCorrectView.as_view(), name="deal-correct"),
    *_shared_deal_routes,
    path("leads/", views.LeadListView.as_view(), name="leads"),
    path("leads/new/", views.LeadCreateView.as_view(), name="lead-create"),
    path("leads/<int:pk>/", views.LeadDetailView.as_view(), name="lead-detail"),
    path("leads/<int:pk>/offer/", views.LeadOfferView.as_view(), name="lead-offer"),
]

portal_urlpatterns = [
    path("deals/", portal_views.PortalDealListView.as_view(), name="deals"),
    path("deals/register/", portal_views.DealRegisterView.as_view(), name="deal-register"),
    path("deals/register/conflicts/", portal_views.ConflictPreviewView.as_view(), name="deal-conflicts"),
    path("deals/<int:pk>/", portal_views.PortalDealDetailView.as_view(), name="deal-detail"),
    *_shared_deal_routes,
    path("leads/", portal_views.PortalLeadListView.as_view(), name="leads"),
    path("leads/<int:pk>/accept/", portal_views.LeadAcceptView.as_view(), name="lead-accept"),
    path("leads/<int:pk>/decline/", portal_views.LeadDeclineView.as_view(), name="lead-decline"),
    path("leads/<int:pk>/convert/", portal_views.LeadConvertView.as_view(), name="lead-convert"),
]
