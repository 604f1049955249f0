"""The performance app's REST API (names in ../shared/API.md, Performance section). Each part registers its
own viewsets: scorecards, KPIs, jobs and tier proposals; business plans; program analytics."""

from importlib import import_module

_PARTS = ("performance.scorecard_api", "performance.plan_api", "performance.analytics_api")


def register(router) -> None:
    for name in _PARTS:
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(router)
