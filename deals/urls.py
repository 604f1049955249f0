from django.urls import path

from prm.pages import coming_soon

manager_urlpatterns = [
    path("deals/", coming_soon("Deals", "Deal registration, conflict detection and approvals."), name="deals"),
    path("leads/", coming_soon("Leads", "Lead distribution to partners."), name="leads"),
]
portal_urlpatterns = []
