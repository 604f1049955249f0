"""The partner portal's "My performance" page: the signed-in partner's scorecard for the current month, quarter or
trailing twelve months, what each KPI contributed, the path to the next tier in words, health and compliance, and
the trend charts from the stored history. Reads through performance/selectors_partner.py, like the card on the
manager's partner page."""

from __future__ import annotations

import logging

from django.urls import NoReverseMatch, path, reverse
from django.views.generic import TemplateView

from partners.models import Partner, PartnerStatus
from prm import tenancy
from prm.pages import PortalPageMixin
from prm.permissions import has_perm

from . import engine
from .periods import KINDS, QUARTER
from .selectors_partner import KIND_LABELS, partner_performance

logger = logging.getLogger(__name__)


def _url_or_none(name: str, *args) -> str | None:
    """A link to a page another part of the app may not have yet (the business plans): None until it exists."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


class MyPerformanceView(PortalPageMixin, TemplateView):
    template_name = "performance/partner/my_performance.html"
    permission_required = "scorecard.view"

    def get_context_data(self, **kwargs):
        user = self.request.user
        kind = self.request.GET.get("period") or QUARTER
        if kind not in KINDS:
            kind = QUARTER  # an unknown tab is the default one, not an error page
        partner = tenancy.get_visible_or_404(Partner.objects.select_related("tier"), user, pk=user.partner_id)
        options = {"with_kpis": True, "with_plans": True}
        performance = partner_performance(actor=user, partner=partner, kind=kind, **options)
        if performance.scorecard is None and partner.status != PartnerStatus.CHURNED:
            # Nothing computed yet for this period (a new partner, before the nightly run): compute this partner
            # once, now, rather than show an empty page until tomorrow. A partner opening a page proposes no tier
            # change (like the scorecard API's read): the next recalculation does that.
            written = engine.recalculate(partner_ids=[partner.pk], propose=False)
            logger.info("scorecard.computed_on_view", extra={"partner_id": partner.pk, "written": written})
            performance = partner_performance(actor=user, partner=partner, kind=kind, **options)
        context = super().get_context_data(**kwargs)
        context.update(
            partner=partner,
            performance=performance,
            kind=kind,
            tabs=[(key, KIND_LABELS[key]) for key in KINDS],
            plan_list_url=_url_or_none("portal:plan-list"),
            plans=[(plan, _url_or_none("portal:plan-detail", plan.pk)) for plan in performance.plans],
        )
        return context


def partner_card_context(user, partner: Partner) -> dict:
    """The context of the "Performance" card on the manager's partner page (partners/views.py): the current
    quarter's scorecard, its trends and the open tier proposal. Nothing for a role that may not see scorecards."""
    if not has_perm(user, "scorecard.view"):
        return {}
    return {
        "performance": partner_performance(actor=user, partner=partner, kind=QUARTER, with_proposal=True),
        "tier_proposal_list_url": _url_or_none("manage:tier-proposal-list"),
    }


portal_urlpatterns = [path("performance/", MyPerformanceView.as_view(), name="my-performance")]
