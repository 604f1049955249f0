"""Every write to dispute cases: open, review, resolve, close, assign, post a message. One transaction each,
each emitting its outbox event. The status moves only through `CASE_STATES.check` (the machine in the models).

Who may do what: the vendor's staff (`case.manage`) move a case through its statuses and assign it; the
opening partner's users post messages and may withdraw (close) their case until it is resolved; only staff
write internal notes. Which cases a user reaches at all is tenancy's business (the callers look them up)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from prm.errors import Conflict, NotPermitted
from prm.events.services import event_emit
from prm.permissions import has_perm, require_perm
from prm.services import service, validate_and_save

from ..models import CASE_STATES, Case, CaseKind, CaseMessage, CaseStatus, Partner

if TYPE_CHECKING:
    from deals.models import Deal
    from prm.accounts.models import User

logger = logging.getLogger(__name__)


def _text(value: str | None, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def default_owner(partner: Partner) -> User | None:
    """The partner's channel manager, if there is one who may handle cases."""
    manager = partner.manager
    return manager if has_perm(manager, "case.manage") else None


@service
def case_open(*, actor: User, data: dict[str, Any]) -> Case:
    """Open a case. A partner user's case is its own organization's; staff name the partner. A deal, if
    given, must be that partner's registration (a partner never sees another one's deal on its case)."""
    partner: Partner | None = data.get("partner")
    deal: Deal | None = data.get("deal")
    owner: User | None = data.get("owner")
    require_perm(actor, "case.open", "Your role cannot open cases.")
    if actor.partner_id is not None:  # a partner user: its own organization's case (tenancy)
        if partner is not None and partner.pk != actor.partner_id:
            raise ValidationError({"partner": "You can only open cases for your own organization."})
        if owner is not None:
            raise ValidationError({"owner": "The vendor assigns the case's owner."})
        partner = actor.partner
    elif partner is None:
        raise ValidationError({"partner": "Choose the partner the case is with."})
    if deal is not None and deal.partner_id != partner.pk:
        raise ValidationError({"deal": "The deal must be one of this partner's registrations."})
    if owner is not None and not has_perm(owner, "case.manage"):
        raise ValidationError({"owner": "The owner must be an active member of the vendor's staff."})

    kind = data.get("kind") or (CaseKind.DEAL_CONFLICT if deal is not None else CaseKind.OTHER)
    now = timezone.now()
    case = Case(
        partner=partner,
        deal=deal,
        kind=kind,
        subject=_text(data.get("subject"), "subject", "Give the case a subject."),
        description=_text(data.get("description"), "description", "Describe what the dispute is about."),
        owner=owner or default_owner(partner),
        opened_by=actor,
        created_at=now,
        due_at=Case.due_at_for(kind, now),
    )
    validate_and_save(case)
    event_emit(
        name="case.opened",
        instance=case,
        actor=actor,
        payload={
            "kind": case.kind,
            "subject": case.subject,
            "deal": case.deal_id,
            "owner": case.owner_id,
            "due_at": case.due_at.isoformat(),
        },
    )
    logger.info("case.opened", extra={"case": case.pk, "partner": partner.pk, "kind": case.kind})
    return case


def _move(case: Case, status: str) -> str:
    CASE_STATES.check(case.status, status)
    previous, case.status = case.status, status
    return previous


def _emit_status(case: Case, previous: str, *, actor: User) -> None:
    event_emit(name="case.status_changed", instance=case, actor=actor, payload={"from": previous, "to": case.status})


def _locked(case: Case) -> Case:
    """The case row, locked for this transaction: two managers pressing "resolve" at once decide once."""
    return Case.objects.select_for_update().select_related("partner").get(pk=case.pk)


@service
def case_review(*, actor: User, case: Case) -> Case:
    """Staff take the case up (open → in review); an unassigned case becomes the reviewer's."""
    require_perm(actor, "case.manage", "Only the vendor's staff can review a case.")
    case = _locked(case)
    previous = _move(case, CaseStatus.IN_REVIEW)
    if case.owner_id is None:
        case.owner = actor
    validate_and_save(case)
    _emit_status(case, previous, actor=actor)
    return case


@service
def case_resolve(*, actor: User, case: Case, resolution: str) -> Case:
    """Staff decide the case (in review → resolved) with a resolution text both sides see."""
    require_perm(actor, "case.manage", "Only the vendor's staff can resolve a case.")
    case = _locked(case)
    previous = _move(case, CaseStatus.RESOLVED)
    case.resolution = _text(resolution, "resolution", "Write the resolution: the partner sees it.")
    case.resolved_by = actor
    case.resolved_at = timezone.now()
    validate_and_save(case)
    _emit_status(case, previous, actor=actor)
    event_emit(name="case.resolved", instance=case, actor=actor, payload={"resolution": case.resolution})
    return case


@service
def case_close(*, actor: User, case: Case, reason: str = "") -> Case:
    """Close a case that is not resolved: staff (a duplicate, nothing to decide) or the partner's own users
    (they withdraw it). A reason, if given, is posted to the thread for both sides."""
    require_perm(actor, "case.close", "Only the vendor's staff or the partner that opened the case can close it.")
    if not has_perm(actor, "case.manage") and actor.partner_id != case.partner_id:
        raise NotPermitted("Only the vendor's staff or the partner that opened the case can close it.")
    case = _locked(case)
    previous = _move(case, CaseStatus.CLOSED)
    case.closed_at = timezone.now()
    validate_and_save(case)
    reason = (reason or "").strip()
    if reason:
        _add_message(case, actor=actor, body=f"Closed: {reason}", internal=False)
    _emit_status(case, previous, actor=actor)
    return case


@service
def case_assign(*, actor: User, case: Case, owner: User) -> Case:
    require_perm(actor, "case.manage", "Only the vendor's staff can assign a case.")
    if not has_perm(owner, "case.manage"):
        raise ValidationError({"owner": "The owner must be an active member of the vendor's staff."})
    case = _locked(case)
    if case.owner_id != owner.pk:
        previous = case.owner_id
        case.owner = owner
        validate_and_save(case)
        event_emit(name="case.assigned", instance=case, actor=actor, payload={"from": previous, "to": owner.pk})
    return case


def _add_message(case: Case, *, actor: User, body: str, internal: bool) -> CaseMessage:
    message = CaseMessage(case=case, author=actor, body=body, internal=internal)
    validate_and_save(message)
    # An internal note's event carries no partner and no text: events may reach the partner's integrations.
    event_emit(
        name="case.message_posted",
        instance=message,
        actor=actor,
        partner_id=None if internal else case.partner_id,
        payload={"case": case.pk, "message": message.pk, "internal": internal},
    )
    return message


@service
def case_message_post(*, actor: User, case: Case, body: str, internal: bool = False) -> CaseMessage:
    """A message on the case's thread, from either side, while the case is open or in review."""
    require_perm(actor, "case.message", "Your role cannot write on cases.")
    body = _text(body, "body", "Write a message.")
    if internal and not has_perm(actor, "case.internal_note"):
        raise ValidationError({"internal": "Only the vendor's staff write internal notes."})
    if not case.is_active:
        raise Conflict(f"This case is {case.get_status_display().lower()}: open a new case to raise it again.")
    return _add_message(case, actor=actor, body=body, internal=internal)
