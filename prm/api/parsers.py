"""The API's JSON parser: JSON that Python can parse but the rest of the stack cannot carry is a 400 here,
at the door, instead of a 500 somewhere later.

- Nesting deeper than `MAX_DEPTH`: no payload of this API nests more than a few levels, and a deep enough one
  makes the decoder (or anything walking the data) raise RecursionError.
- Lone surrogates (`"\\ud800"`): valid JSON escapes, but not text; a field error that echoes one cannot be
  encoded as UTF-8, and PostgreSQL refuses to store one.
- NUL characters (`"\\u0000"`): PostgreSQL text and jsonb cannot hold them."""

from __future__ import annotations

import re
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.") from None
        problem = unsafe_json_problem(data)
        if problem:
            raise ParseError(f"JSON parse error - {problem}.")
        return data


def unsafe_json_problem(data: Any) -> str | None:
    """Why `data` (parsed JSON) cannot be accepted, or None. Iterative, so its own depth costs no stack."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            found = _NOT_TEXT.search(value)
            if found:
                return (
                    "a NUL character is not allowed" if found.group() == "\x00" else "invalid Unicode (lone surrogate)"
                )
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return f"nested deeper than {MAX_DEPTH} levels"
            items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            for key, item in items:
                if key is not None:
                    stack.append((key, depth))
                stack.append((item, depth + 1))
    return None
