"""The incentives app's REST API (names in ../shared/API.md, Incentives section). Each part registers its own
viewsets: programs and accruals; payout statements; MDF; recognition."""

from importlib import import_module

_PARTS = (
    "incentives.program_api",
    "incentives.statement_api",
    "incentives.mdf_api",
    "incentives.recognition_api",
)


def register(router) -> None:
    for name in _PARTS:
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(router)
