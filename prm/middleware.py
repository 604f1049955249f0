"""Two answers that must not be a 500.

**A NUL character in the path, the query string or a form post is a 400.** No field of this application
holds a NUL, and PostgreSQL refuses one in any text it is sent ("A string literal cannot contain NUL"), so a
NUL that reaches a filter, a lookup or a save is a 500. Refusing it once here, for pages and the API alike,
turns it into a 400 that says what was wrong. (JSON bodies are checked by the API's parser, prm.api.parsers;
uploaded files are not text and are the uploads' business.)

**A database still locked after SQLite's busy timeout is a 409.** The embedded SQLite default queues writers
(settings: IMMEDIATE transactions, a busy timeout); if a writer still cannot get the lock, the request did
nothing and can be retried, which is what 409 with `Retry-After` says. PostgreSQL never raises this."""

from __future__ import annotations

import logging

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

NUL = "\x00"
NUL_MESSAGE = "The request contains a NUL character (\\0), which no field accepts."
BUSY_MESSAGE = "The database is busy with other changes; nothing was saved. Try again in a moment."
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def nul_in_request(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    if _has_nul(request.GET):
        return True
    return request.method == "POST" and request.content_type in FORM_TYPES and _has_nul(request.POST)


def _has_nul(data) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


def error_response(request: HttpRequest, message: str, *, status: int, code: str) -> HttpResponse:
    """An error in the form the caller reads: JSON for the API, the site's error page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": code}, status=status)
    html = render_to_string("400.html", {"message": message, "status": status}, request=request)
    return HttpResponse(html, status=status)


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if nul_in_request(request):
            return error_response(request, NUL_MESSAGE, status=400, code="nul_character")
        return self.get_response(request)


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not (isinstance(exception, OperationalError) and "database is locked" in str(exception)):
            return None
        logger.warning("db.locked", extra={"path": request.path, "method": request.method})
        response = error_response(request, BUSY_MESSAGE, status=409, code="database_busy")
        response["Retry-After"] = "1"
        return response
