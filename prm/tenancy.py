"""Who sees what: the one place that scopes a queryset for a user.

Every model that a view can reach declares `tenant_field`: the lookup from the model to the partner
organization that owns a row ("pk" for the partner itself, "partner" for a partner's rows), or
`PROGRAM_WIDE` for reference data every signed-in user may read (tiers). A model that declares nothing
is an error, never "visible to everyone" by accident.

Vendor staff see the whole program. A partner user sees only its own organization's rows. Inactive and
anonymous users see nothing. The API's base viewset and the pages' base mixin get every queryset here,
and `get_visible_or_404` gives "not found" for both a missing row and somebody else's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.http import Http404

from prm.accounts.roles import STAFF_ROLES

if TYPE_CHECKING:
    from prm.accounts.models import User

PROGRAM_WIDE = "__program__"
#: Program content shown to partners by audience (tier, partner type, region): resources, announcements.
#: Such a model defines `audience_filter(queryset, partner)`; a partner user sees the rows it returns.
AUDIENCE = "__audience__"

M = TypeVar("M", bound=models.Model)


def tenant_path(model: type[models.Model]) -> str:
    path = getattr(model, "tenant_field", None)
    if path is None:
        raise ImproperlyConfigured(f"{model.__name__} must declare tenant_field to be reachable from a view.")
    return path


def is_tenant_owned(model: type[models.Model]) -> bool:
    """Rows that some organizations may see and others may not (owned, or restricted by audience)."""
    return tenant_path(model) != PROGRAM_WIDE


def scope(queryset: models.QuerySet[M], user: User | None) -> models.QuerySet[M]:
    """The rows of `queryset` that `user` may see."""
    path = tenant_path(queryset.model)
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser or user.role in STAFF_ROLES:
        return queryset
    if path == PROGRAM_WIDE:
        return queryset
    if user.partner_id is None:
        return queryset.none()
    if path == AUDIENCE:
        return queryset.model.audience_filter(queryset, user.partner)
    return queryset.filter(**{path: user.partner_id})


def get_visible_or_404(queryset: models.QuerySet[M], user: User | None, **lookup) -> M:
    """Zulip's access_*_by_id: the same 404 for "does not exist" and "not yours"."""
    try:
        return scope(queryset, user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from None


class TenantQuerySet(models.QuerySet):
    """The base of every app's querysets. It adds no scoping method on purpose: rows are scoped by `scope()`,
    which the base viewsets, the base page mixin and the selectors call, so there is one way to do it."""
