"""Writing the audience of program content (courses, resources): tiers, partner types and countries."""

from __future__ import annotations

from typing import Any

from .models import pack_codes

AUDIENCE_FIELDS = ("audience_tiers", "audience_partner_types", "audience_countries")


def split_audience(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(plain fields, audience fields) of a service's `data`."""
    plain = {k: v for k, v in data.items() if k not in AUDIENCE_FIELDS}
    audience = {k: v for k, v in data.items() if k in AUDIENCE_FIELDS}
    for key in ("audience_partner_types", "audience_countries"):
        if key in audience:
            audience[key] = pack_codes(audience[key])
    return plain, audience


def apply_audience(instance, audience: dict[str, Any]) -> list[str]:
    """Set the audience on a saved instance; returns the names of what changed."""
    changed = []
    for key in ("audience_partner_types", "audience_countries"):
        if key in audience and getattr(instance, key) != audience[key]:
            setattr(instance, key, audience[key])
            changed.append(key)
    if changed:
        instance.save(update_fields=[*changed, "updated_at"])
    if "audience_tiers" in audience:
        new = {t.pk for t in audience["audience_tiers"] or []}
        if new != set(instance.audience_tiers.values_list("pk", flat=True)):
            instance.audience_tiers.set(new)
            changed.append("audience_tiers")
    return changed
