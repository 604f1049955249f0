"""The shape every write takes: one transaction, attributed in the audit trail to the acting user."""

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from prm.audit import acting_as

P = ParamSpec("P")
R = TypeVar("R")


def service(fn: Callable[P, R]) -> Callable[P, R]:
    """Run `fn` atomically with its keyword `actor` named in every audit entry it writes."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(), acting_as(kwargs.get("actor")):
            return fn(*args, **kwargs)

    return wrapper


def validate_and_save(instance: models.Model, *, unique_message: dict[str, str] | None = None, **save_kwargs) -> None:
    """full_clean, then save; a unique violation that slipped past the check (a concurrent write) becomes
    the same field error instead of a 500."""
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save(**save_kwargs)
    except IntegrityError as exc:
        if unique_message:
            raise ValidationError(unique_message) from exc
        raise


def apply_changes(instance: models.Model, data: dict) -> list[str]:
    """Set the given fields; returns the names that really changed (so no empty audit entries)."""
    changed = []
    for field, value in data.items():
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed.append(field)
    return changed
