"""Tier changes: proposed by the recalculation, decided by a manager (or applied at once when the program admin
turned that on). Every decision goes through partners' partner_update, so it is audited and emits
`partner.tier_changed` like a tier changed by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from partners.models import Partner, PartnerStatus, Tier
from partners.services import partner_update
from prm.errors import Conflict
from prm.events.services import event_emit
from prm.permissions import require_perm
from prm.services import service

from .models import PerformanceSettings, ProposalStatus, Scorecard, TierProposal

if TYPE_CHECKING:
    from prm.accounts.models import User

    from .engine import Computed
    from .periods import Period


def _direction(from_rank: int | None, to_rank: int | None) -> str:
    if to_rank is None:
        return "demotion"
    if from_rank is None:
        return "promotion"
    return "promotion" if to_rank > from_rank else "demotion"


def _reasons(computed: Computed, to_tier: Tier | None) -> list[str]:
    from .engine import format_money

    kpis = computed.kpis
    reasons = [
        f"Over the trailing twelve months: {computed.extra.get('ttm_won', '?')} won deals, "
        f"{computed.extra.get('ttm_revenue', '?')} won revenue, {kpis['certified_users']} certified users."
    ]
    if to_tier is None:
        reasons.append("The lowest tier's requirements are not met.")
    else:
        reasons.append(
            f"{to_tier.name} requires {to_tier.min_won_deals} won deals, {format_money(to_tier.min_revenue)} won "
            f"revenue and "
            f"{to_tier.min_certified_users} certified users."
        )
    return reasons


def proposal_candidates(period: Period) -> list[int]:
    """The partners proposals_refresh must see after a full run wrote `period`'s scorecards: active partners whose
    stored recommendation differs from their tier, and every partner with an open proposal (to withdraw it)."""
    rows = Scorecard.objects.filter(
        period_kind=period.kind, period_start=period.start, partner__status=PartnerStatus.ACTIVE
    ).values_list("partner_id", "recommended_tier_id", "partner__tier_id")
    ids = {partner_id for partner_id, recommended, tier in rows if recommended != tier}
    ids.update(TierProposal.objects.filter(status=ProposalStatus.OPEN).values_list("partner_id", flat=True))
    return sorted(ids)


def proposals_refresh(computed: list[Computed]) -> int:
    """Bring the open proposals in line with the current quarter's recommendations: a partner whose tier is
    already right has none; one whose recommendation changed gets a new one (the old one withdrawn). Called inside
    the recalculation's transaction. Returns how many proposals it opened or applied."""
    ids = [c.partner_id for c in computed if c.extra.get("status") == "active"]
    proposing = [
        c for c in computed if c.extra.get("status") == "active" and c.extra.get("tier_id") != c.recommended_tier_id
    ]
    if not proposing and not TierProposal.objects.filter(partner_id__in=ids, status=ProposalStatus.OPEN).exists():
        return 0  # (the usual case: nothing to propose, nothing open to withdraw)
    settings = PerformanceSettings.load()
    tiers = {tier.pk: tier for tier in Tier.objects.all()}
    open_ = {p.partner_id: p for p in TierProposal.objects.filter(partner_id__in=ids, status=ProposalStatus.OPEN)}
    now = timezone.now()
    made = 0
    for c in computed:
        if c.extra.get("status") != "active":
            continue
        current, recommended = c.extra.get("tier_id"), c.recommended_tier_id
        existing = open_.get(c.partner_id)
        if existing and (existing.to_tier_id == recommended and existing.from_tier_id == current):
            continue
        if existing:
            existing.status, existing.decided_at = ProposalStatus.WITHDRAWN, now
            existing.save(update_fields=["status", "decided_at"])
        if current == recommended:
            continue
        from_rank = tiers[current].rank if current in tiers else None
        to_tier = tiers.get(recommended)
        try:
            with transaction.atomic():  # a concurrent run (nightly and incremental) may have opened it first
                proposal = TierProposal.objects.create(
                    partner_id=c.partner_id,
                    from_tier_id=current,
                    to_tier_id=recommended,
                    direction=_direction(from_rank, to_tier.rank if to_tier else None),
                    reasons=_reasons(c, to_tier),
                    status=ProposalStatus.APPLIED if settings.auto_apply_tier_changes else ProposalStatus.OPEN,
                    decided_at=now if settings.auto_apply_tier_changes else None,
                )
        except IntegrityError:
            continue
        made += 1
        if settings.auto_apply_tier_changes:
            partner_update(actor=None, partner=Partner.objects.get(pk=c.partner_id), data={"tier": to_tier})
            event_emit(name="tier_proposal.applied", instance=proposal, payload=_payload(proposal))
        else:
            event_emit(name="tier_proposal.created", instance=proposal, payload=_payload(proposal))
    return made


def _payload(proposal: TierProposal) -> dict:
    return {
        "id": proposal.pk,
        "partner": proposal.partner_id,
        "from_tier": proposal.from_tier_id,
        "to_tier": proposal.to_tier_id,
        "direction": proposal.direction,
        "status": proposal.status,
    }


def _locked_open(proposal: TierProposal) -> TierProposal:
    proposal = TierProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.OPEN:
        raise Conflict(f"This proposal is already {proposal.get_status_display().lower()}.")
    return proposal


@service
def tier_proposal_accept(*, actor: User, proposal: TierProposal, note: str = "") -> TierProposal:
    """Move the partner to the proposed tier. Refused (409) when the partner's tier changed since the proposal
    was made: the manager should look at the partner again."""
    require_perm(actor, "tier_proposal.decide")
    proposal = _locked_open(proposal)
    partner = Partner.objects.select_for_update().get(pk=proposal.partner_id)
    if partner.tier_id != proposal.from_tier_id:
        raise Conflict("The partner's tier changed since this proposal was made; it is no longer current.")
    partner_update(actor=actor, partner=partner, data={"tier": proposal.to_tier})
    return _decide(proposal, actor, ProposalStatus.ACCEPTED, note)


@service
def tier_proposal_dismiss(*, actor: User, proposal: TierProposal, note: str = "") -> TierProposal:
    require_perm(actor, "tier_proposal.decide")
    proposal = _locked_open(proposal)
    return _decide(proposal, actor, ProposalStatus.DISMISSED, note)


def _decide(proposal: TierProposal, actor: User, status: str, note: str) -> TierProposal:
    proposal.status, proposal.decided_by, proposal.decided_at = status, actor, timezone.now()
    proposal.note = (note or "").strip()
    proposal.save(update_fields=["status", "decided_by", "decided_at", "note"])
    event_emit(name=f"tier_proposal.{status}", instance=proposal, actor=actor, payload=_payload(proposal))
    return proposal
