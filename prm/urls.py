from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from partners.urls import public_urlpatterns
from prm.accounts import views as account_views
from prm.portals import manager_urls, portal_urls

urlpatterns = [
    path("", account_views.HomeView.as_view(), name="home"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("healthz", account_views.healthz, name="healthz"),
    path("", include(public_urlpatterns)),
    path("account/", include("prm.accounts.urls")),
    path("manage/", include(manager_urls)),
    path("portal/", include(portal_urls)),
    path("api/", include("prm.api.urls")),
    path("admin/", admin.site.urls),
]
