"""The one API router. Every viewset registered here is walked by the tenant-isolation test."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from partners.api import AgreementViewSet, PartnerViewSet, TierViewSet
from prm.accounts.api import ApiKeyViewSet, MeView, TokenView, UserViewSet

router = DefaultRouter()
router.register("tiers", TierViewSet)
router.register("partners", PartnerViewSet)
router.register("agreements", AgreementViewSet)
router.register("users", UserViewSet)
router.register("api-keys", ApiKeyViewSet, basename="apikey")

urlpatterns = [
    path("v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("v1/me/", MeView.as_view(), name="api-me"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
