"""The audit trail: django-auditlog records every create/update/delete of the registered models with the
field-level before/after; services name the actor with `acting_as` so API and page writes are attributed
alike (auditlog's middleware only sees session users, and nests badly with a service-level context)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from auditlog.context import set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import models

if TYPE_CHECKING:
    from prm.accounts.models import User

_acting = ContextVar("prm_audit_acting", default=False)


@contextmanager
def acting_as(user: User | None) -> Iterator[None]:
    """Attribute the audit entries written inside to `user`. Nested calls keep the outer actor."""
    if _acting.get():
        yield
        return
    token = _acting.set(True)
    try:
        if user is not None and getattr(user, "is_authenticated", False):
            with set_actor(user):
                yield
        else:
            yield
    finally:
        _acting.reset(token)


def register_models() -> None:
    from django.apps import apps

    User = apps.get_model("accounts", "User")
    auditlog.register(User, exclude_fields=["password", "last_login"])
    auditlog.register(apps.get_model("accounts", "ApiKey"), exclude_fields=["hashed_key", "id", "last_used_at"])
    for label in ("partners.Tier", "partners.Partner", "partners.Agreement"):
        auditlog.register(apps.get_model(label))


ACTIONS = {0: "created", 1: "updated", 2: "deleted", 3: "accessed"}


def history_for(
    *objects: models.Model, related: models.QuerySet | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Audit entries of the given objects (and optionally of a queryset of related rows), newest first,
    in one query, shaped for a page or the API."""
    q = models.Q()
    for obj in objects:
        q |= models.Q(content_type=ContentType.objects.get_for_model(obj), object_pk=str(obj.pk))
    if related is not None:
        q |= models.Q(
            content_type=ContentType.objects.get_for_model(related.model),
            object_pk__in=[str(pk) for pk in related.values_list("pk", flat=True)],
        )
    entries = LogEntry.objects.filter(q).select_related("actor", "content_type").order_by("-timestamp", "-id")[:limit]
    return [
        {
            "id": e.id,
            "timestamp": e.timestamp,
            "action": ACTIONS.get(e.action, str(e.action)),
            "object_type": e.content_type.model,
            "object_label": e.content_type.name,  # the verbose name, for people: "application score"
            "object_id": e.object_pk,
            "object_repr": e.object_repr,
            "actor": e.actor.email if e.actor else None,
            "changes": _changes(e),
        }
        for e in entries
    ]


def _changes(entry: LogEntry) -> dict[str, dict[str, Any]]:
    """Field -> {"before", "after"}. A many-to-many change (auditlog records {"type": "m2m", "operation":
    "add"|"delete", "objects": [...]}) reads as the objects added (after) or removed (before)."""
    changes: dict[str, dict[str, Any]] = {}
    for field, values in (entry.changes_dict or {}).items():
        if isinstance(values, dict) and values.get("type") == "m2m":
            objects = ", ".join(str(o) for o in values.get("objects", []))
            removed = values.get("operation") == "delete"
            changes[field] = {"before": objects if removed else None, "after": None if removed else objects}
        else:
            changes[field] = {"before": values[0], "after": values[1]}
    return changes
