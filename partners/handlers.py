"""Outbox subscribers of the partners app. Later issues add webhooks and scorecards here and elsewhere."""

import logging

from prm.events.handlers import subscribe

logger = logging.getLogger("prm.events")


@subscribe("*")
def log_event(event) -> None:
    logger.info(
        "event.dispatched", extra={"event": event.name, "aggregate": f"{event.aggregate_type}:{event.aggregate_id}"}
    )
