from django.urls import path

from prm.pages import coming_soon

manager_urlpatterns = [
    path(
        "performance/", coming_soon("Scorecards", "Partner KPIs, scorecards and tier evaluation."), name="performance"
    ),
]
portal_urlpatterns = []
