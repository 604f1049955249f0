"""The OpenAPI schema documents the answers each operation really gives, the errors included.

drf-spectacular documents only the success response. Every endpoint here can also answer 401 (a bad or expired
credential), 403 (the role map refuses), 429 (throttled); one that takes input can answer 400; one that names an
object in its path (or pages through a list) can answer 404; a write can answer 409 (a state conflict, or its
Idempotency-Key still in progress) and 422 (an Idempotency-Key reused for another request). The error bodies
are the ones `prm.api.exceptions.exception_handler` sends. And a list is documented as paged only where DRF pages it."""

from __future__ import annotations

from drf_spectacular import openapi
from rest_framework.fields import empty

ERROR_BODY = {
    "type": "object",
    "description": "`detail` (and `code`) for most errors; a field → messages map for a validation error.",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "additionalProperties": {},
}
# A validation error of a list body (bulk) is a list of per-item error maps.
VALIDATION_BODY = {"oneOf": [ERROR_BODY, {"type": "array", "items": ERROR_BODY}]}

DESCRIPTIONS = {
    "400": "Invalid input: which fields are wrong and why.",
    "401": "Missing, invalid or expired credentials.",
    "403": "Your role may not do this (or a read-only API key tried to write).",
    "404": "No such object among those you may see (another organization's object is a 404, too).",
    "409": "The object's state does not allow this now, or this Idempotency-Key's first request is still running.",
    "422": "This Idempotency-Key was already used for a different request.",
    "429": "Too many requests: slow down (see Retry-After).",
}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self.error_codes():
            body = VALIDATION_BODY if code == "400" else ERROR_BODY
            responses.setdefault(
                code, {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": body}}}
            )
        return responses

    def error_codes(self) -> list[str]:
        codes = ["401", "403", "429"]
        takes_input = self.method in WRITE_METHODS or bool(self._get_filter_parameters()) or self._is_paginated()
        if takes_input:
            codes.append("400")
        if "{" in self.path or self._is_paginated():
            codes.append("404")
        if self.method in WRITE_METHODS:
            codes += ["409", "422"]
        return sorted(codes)

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # A blank URL or email (`blank=True` on the model) is sent as "", which no `uri`/`email` format accepts. DRF
        # drops `allow_blank` from a read-only model field, so a read-only one is taken as possibly blank too.
        blank = getattr(field, "allow_blank", False) or field.read_only
        if blank and schema.get("format") in ("uri", "email"):
            schema = {"anyOf": [schema, {"type": "string", "maxLength": 0}]}
        return schema

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        # `source="tier.name", read_only=True, default=None`: the field is null when the relation is empty (a partner
        # without a tier), so the schema must say it may be null.
        if getattr(field, "read_only", False) and getattr(field, "default", empty) is None:
            meta["nullable"] = True
        return meta

    def _get_paginator(self):
        # DRF pages only a viewset's `list`; an extra action (a case's messages, a deal's comments, any history)
        # answers the bare list it builds, so its schema must not promise a page.
        action = getattr(self.view, "action", None)
        if action is not None and action != "list":
            return None
        return super()._get_paginator()

    def _is_paginated(self) -> bool:
        return self.method == "GET" and self._is_list_view() and self._get_paginator() is not None
