"""Pages of the performance app, from its page modules (each owns its routes)."""

from . import analytics_views, partner_views, plan_views, scorecard_views

manager_urlpatterns = [
    *scorecard_views.manager_urlpatterns,
    *plan_views.manager_urlpatterns,
    *analytics_views.manager_urlpatterns,
]
portal_urlpatterns = [
    *plan_views.portal_urlpatterns,
    *partner_views.portal_urlpatterns,
]
