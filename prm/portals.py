"""The two portals' URL namespaces, `manage` (vendor staff) and `portal` (partners), put together from what
each app contributes in its urls.py (`manager_urlpatterns`, `portal_urlpatterns`)."""

from importlib import import_module

PORTAL_APPS = ["partners", "onboarding", "deals", "performance", "incentives"]


def _collect(attribute: str) -> list:
    patterns = []
    for app in PORTAL_APPS:
        patterns += getattr(import_module(f"{app}.urls"), attribute, [])
    return patterns


manager_urls = (_collect("manager_urlpatterns"), "manage")
portal_urls = (_collect("portal_urlpatterns"), "portal")
