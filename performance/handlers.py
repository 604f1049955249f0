"""Outbox subscribers: the events that change a partner's KPIs ask for its recalculation (coalesced), and lead
answers are kept as activity for the lead acceptance rate."""

from prm.events.handlers import subscribe

from .activity import activity_record
from .models import ActivityKind
from .services import scorecards_mark_stale

#: Events after which a partner's scorecards are recalculated within seconds.
RECALCULATING = (
    "deal.",
    "lead.",
    "certification.",
    "onboarding.",
    "agreement.",
    "survey.answered",
    "partner.tier_changed",
)


def _recalculate(event) -> None:
    scorecards_mark_stale(partner_id=event.partner_id)


for _pattern in RECALCULATING:
    subscribe(_pattern)(_recalculate)

_LEAD_ANSWERS = {
    "lead.accepted": ActivityKind.LEAD_ACCEPTED,
    "lead.declined": ActivityKind.LEAD_DECLINED,
    "lead.returned": ActivityKind.LEAD_LAPSED,
}


def _lead_answer(event) -> None:
    activity_record(
        partner_id=event.partner_id,
        kind=_LEAD_ANSWERS[event.name],
        user_id=event.actor_id,
        at=event.created_at,
        event_id=event.pk,
    )


for _name in _LEAD_ANSWERS:
    subscribe(_name)(_lead_answer)
