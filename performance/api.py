"""The performance app's REST API (names in ../shared/API.md, Performance section). Each part registers its
own viewsets: scorecards, KPIs, jobs and tier proposals; business plans; program analytics."""

from . import analytics_api, plan_api, scorecard_api


def register(router) -> None:
    for part in (scorecard_api, plan_api, analytics_api):
        part.register(router)
