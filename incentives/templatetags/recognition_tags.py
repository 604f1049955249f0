"""{% partner_badges partner %}: the "Badges" card of the partner portal's home and the manager's partner page, so
neither page's view needs to know about recognition (one query, the badges with their awards)."""

from django import template

from incentives.recognition import partner_awards

register = template.Library()


@register.inclusion_tag("incentives/recognition/_badges.html", takes_context=True)
def partner_badges(context, partner, for_manager=False):
    return {"awards": partner_awards(partner), "is_manager_portal": for_manager}
