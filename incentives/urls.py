"""Pages of the incentives app, collected from its page modules (each owns its routes). Until a module exists its
area keeps a "coming soon" page under the name the navigation uses."""

from importlib import import_module

from django.urls import path

from prm.pages import coming_soon

_PARTS = (
    "incentives.program_views",
    "incentives.statement_views",
    "incentives.mdf_views",
    "incentives.recognition_views",
    "incentives.earnings_views",
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

_names = {p.name for p in manager_urlpatterns}
if "incentives" not in _names:
    manager_urlpatterns.append(
        path("incentives/", coming_soon("Incentives", "Rebates, SPIFFs, accruals and payouts."), name="incentives")
    )
if "mdf" not in _names:
    manager_urlpatterns.append(
        path("mdf/", coming_soon("MDF", "Market development funds: requests and claims."), name="mdf")
    )
