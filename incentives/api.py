"""The incentives app's REST API (names in ../shared/API.md, Incentives section). Each part registers its own
viewsets: programs and accruals; payout statements; MDF; recognition."""

from . import mdf_api, program_api, recognition_api, statement_api


def register(router) -> None:
    for part in (program_api, statement_api, mdf_api, recognition_api):
        part.register(router)
