"""Every write to onboarding plans, courses, certifications and resources."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from partners.models import Partner
    from prm.accounts.models import User


def onboarding_plan_create(*, actor: User | None, partner: Partner):
    """The partner's onboarding plan from the template for its partner type. Called by application approval,
    inside its transaction. (Interface fixed here; the onboarding work fills it in.)"""
    return None
