"""The two portals' URL namespaces, `manage` (vendor staff) and `portal` (partners), put together from what
each app contributes in its urls.py (`manager_urlpatterns`, `portal_urlpatterns`)."""

from prm.plugins import app_modules

_url_modules = app_modules("urls")

manager_urls = ([p for m in _url_modules for p in getattr(m, "manager_urlpatterns", [])], "manage")
portal_urls = ([p for m in _url_modules for p in getattr(m, "portal_urlpatterns", [])], "portal")
