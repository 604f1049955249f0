"""How the domain apps plug into the project: each may have optional modules (`api`, `urls`, `permissions`,
`schedule`, `demo`, `handlers`) that shared code collects here instead of naming every app again. Plain Python, no
Django imports, so the settings can use it too."""

from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

DOMAIN_APPS = ["partners", "onboarding", "deals", "performance", "incentives"]


def app_modules(name: str, apps: list[str] = DOMAIN_APPS) -> list[ModuleType]:
    """The modules `<app>.<name>` that exist, in the order of `apps` (a missing package counts as missing)."""
    found = []
    for app in apps:
        if find_spec(app) is not None and find_spec(f"{app}.{name}") is not None:
            found.append(import_module(f"{app}.{name}"))
    return found
