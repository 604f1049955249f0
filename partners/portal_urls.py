from django.urls import path

from . import portal_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.PortalHomeView.as_view(), name="home"),
    path("agreements/", portal_views.PortalAgreementsView.as_view(), name="agreements"),
    path("users/", portal_views.PortalUsersView.as_view(), name="users"),
    path("users/<int:pk>/deactivate/", portal_views.UserDeactivateView.as_view(), name="user-deactivate"),
    path("users/<int:pk>/reactivate/", portal_views.UserReactivateView.as_view(), name="user-reactivate"),
]
