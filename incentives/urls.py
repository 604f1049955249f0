"""Pages of the incentives app, from its page modules (each owns its routes)."""

from . import earnings_views, mdf_views, program_views, recognition_views, statement_views

manager_urlpatterns = [
    *program_views.manager_urlpatterns,
    *statement_views.manager_urlpatterns,
    *mdf_views.manager_urlpatterns,
    *recognition_views.manager_urlpatterns,
]
portal_urlpatterns = [
    *program_views.portal_urlpatterns,
    *statement_views.portal_urlpatterns,
    *mdf_views.portal_urlpatterns,
    *recognition_views.portal_urlpatterns,
    *earnings_views.portal_urlpatterns,
]
