"""How django-axes names an account and answers a locked one (settings: AXES_USERNAME_CALLABLE,
AXES_LOCKOUT_CALLABLE)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

LOCKED = "Too many failed sign-ins for this account. Try again in {minutes} minutes or reset your password."


def lockout_username(request: HttpRequest, credentials: dict | None) -> str:
    """The sign-in name, case-folded: `Rep@Alpha.example` and `rep@alpha.example` count against one account."""
    username = (credentials or {}).get("username")
    if username is None:
        username = request.POST.get("username", "")
    return str(username).strip().lower()


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """429 for both sign-in paths: the API gets its usual `{"detail": …}`, the page its form with the message."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) or 1
    message = LOCKED.format(minutes=minutes)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        from .forms import LoginForm

        form = LoginForm(request, initial={"username": request.POST.get("username", "")})
        response = render(request, "registration/login.html", {"form": form, "throttled": message}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
