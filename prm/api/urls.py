"""The one API router. Each app with an `api.py` registers its viewsets through `register(router)`; every
viewset registered here is walked by the tenant-isolation test."""

from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from prm.accounts.api import MeView, TokenView
from prm.plugins import DOMAIN_APPS, app_modules

router = DefaultRouter()
for module in app_modules("api", ["prm.accounts", *DOMAIN_APPS]):
    module.register(router)

urlpatterns = [
    path("v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("v1/me/", MeView.as_view(), name="api-me"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI under the Content-Security-Policy: the split view loads its start-up script as a file; its page
    # keeps one small inline <style> of drf-spectacular's, so this one view also allows inline styles.
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
]
