from django import template

from prm.permissions import has_perm

register = template.Library()


@register.filter
def can(user, permission: str) -> bool:
    """`{% if user|can:"partner.manage" %}`: templates ask the same permission map as the views."""
    return has_perm(user, permission)
