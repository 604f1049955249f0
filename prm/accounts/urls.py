from django.urls import path

from . import views

app_name = "account"

urlpatterns = [
    path("api-keys/", views.ApiKeysView.as_view(), name="api-keys"),
    path("api-keys/<str:prefix>/revoke/", views.ApiKeyRevokeView.as_view(), name="api-key-revoke"),
    path("token/revoke/", views.TokenRevokeView.as_view(), name="token-revoke"),
]
