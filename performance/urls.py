"""Pages of the performance app, collected from its page modules (each owns its routes)."""

from importlib import import_module

_PARTS = (
    "performance.scorecard_views",
    "performance.plan_views",
    "performance.analytics_views",
    "performance.partner_views",
)

manager_urlpatterns = []
portal_urlpatterns = []
for _name in _PARTS:
    try:
        _module = import_module(_name)
    except ModuleNotFoundError as exc:
        if exc.name != _name:
            raise
        continue
    manager_urlpatterns += getattr(_module, "manager_urlpatterns", [])
    portal_urlpatterns += getattr(_module, "portal_urlpatterns", [])
