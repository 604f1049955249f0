"""The one API router. Each app with an `api.py` registers its viewsets through `register(router)`; every
viewset registered here is walked by the tenant-isolation test."""

from importlib import import_module
from importlib.util import find_spec

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from prm.accounts.api import MeView, TokenView

API_APPS = ["prm.accounts", "partners", "onboarding", "deals", "performance", "incentives"]

router = DefaultRouter()
for app in API_APPS:
    if find_spec(f"{app}.api") is not None:
        import_module(f"{app}.api").register(router)

urlpatterns = [
    path("v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("v1/me/", MeView.as_view(), name="api-me"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
