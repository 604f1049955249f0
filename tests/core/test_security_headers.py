"""Content-Security-Policy without inline scripts or styles, a Permissions-Policy, and sessions that end when
idle (issue 8). Every page is rendered and checked, so a page added later is covered too."""

import re
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prm.pages import ScopedPageMixin
from prm.permissions import has_perm

from .owned import OWNED_OBJECT_MAKERS
from .routes import page_routes

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.I)
# A <script type="application/json"> (json_script: a chart's figures) is data the browser never runs, so the
# policy allows it; any other <script> without src is inline code.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)(?![^>]*\stype=[\"']application/json[\"'])[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
}


def _directives(header: str) -> dict[str, str]:
    parts = [p.strip().split(None, 1) for p in header.split(";") if p.strip()]
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def _assert_no_inline_code(url: str, response) -> None:
    if response["Content-Type"].startswith("text/html"):  # exports (CSV) are not pages
        html = response.content.decode()
        assert not INLINE_STYLE.findall(html), f"{url}: inline style attribute"
        assert not INLINE_SCRIPT.findall(html), f"{url}: inline <script>"
        assert not INLINE_HANDLER.findall(html), f"{url}: inline event handler"
    directives = _directives(response["Content-Security-Policy"])
    assert {k: directives.get(k) for k in POLICY} == POLICY, url
    assert "camera=()" in response["Permissions-Policy"], url


def _viewer(route, program_admin, partner_a_admin, finance):
    if not route.name.startswith("manage:"):
        return partner_a_admin
    # a finance-only page (an adjustment's form) is opened by finance, every other manager page by the program admin
    return program_admin if has_perm(program_admin, route.view_class.permission_required) else finance


def _pages_without_ids():
    return [r for r in page_routes() if r.view_class and issubclass(r.view_class, ScopedPageMixin) and not r.kwargs]


def _pages_with_an_object():
    routes = [r for r in page_routes() if r.kwargs and r.view_class and issubclass(r.view_class, ScopedPageMixin)]
    return [r for r in routes if getattr(r.view_class, "model", None) in OWNED_OBJECT_MAKERS or _model(r)]


def _model(route):
    view = route.view_class
    if getattr(view, "queryset", None) is not None:
        return view.queryset.model
    return getattr(view, "model", None)


def test_no_template_has_inline_styles_scripts_or_handlers():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        source = template.read_text()
        if INLINE_STYLE.search(source) or INLINE_SCRIPT.search(source) or INLINE_HANDLER.search(source):
            offenders.append(str(template.relative_to(TEMPLATES)))
    assert offenders == []


@pytest.mark.parametrize("route", _pages_without_ids(), ids=lambda r: r.name)
def test_every_page_renders_without_inline_code_and_with_the_policies(
    route, program_admin, partner_a_admin, finance, page_client
):
    url = reverse(route.name)
    response = page_client.as_user(_viewer(route, program_admin, partner_a_admin, finance)).get(url)

    assert response.status_code in (200, 302, 405), url
    _assert_no_inline_code(url, response)


@pytest.mark.parametrize(
    "route", [r for r in _pages_with_an_object() if _model(r) in OWNED_OBJECT_MAKERS], ids=lambda r: r.name
)
def test_every_object_page_renders_without_inline_code(route, partner_a, program_admin, page_client):
    obj, own_viewer = OWNED_OBJECT_MAKERS[_model(route)](partner_a)
    kwarg = route.kwargs[0]
    url = reverse(route.name, kwargs={kwarg: obj.pk if kwarg == "pk" else getattr(obj, kwarg)})
    viewer = program_admin if route.name.startswith("manage:") else own_viewer

    response = page_client.as_user(viewer).get(url)

    assert response.status_code in (200, 302, 405), url
    _assert_no_inline_code(url, response)


@pytest.mark.parametrize("name", ["login", "password_reset", "apply"])
def test_public_pages_carry_the_policies(name, client, db):
    response = client.get(reverse(name))
    assert response.status_code == 200
    _assert_no_inline_code(name, response)


def test_htmx_is_told_not_to_inject_its_indicator_style(client, db):
    html = client.get(reverse("login")).content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in html


def test_swagger_ui_loads_its_start_up_script_as_a_file_and_only_it_allows_inline_styles(client, db):
    page = client.get(reverse("api-docs"))
    script = client.get(reverse("api-docs") + "?script=")

    assert page.status_code == 200 and script.status_code == 200
    assert not INLINE_SCRIPT.findall(page.content.decode())
    assert "SwaggerUIBundle" in script.content.decode()
    directives = _directives(page["Content-Security-Policy"])
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" in directives["style-src"]
    assert "'unsafe-inline'" not in client.get(reverse("login"))["Content-Security-Policy"]


# --- sessions end when idle ---------------------------------------------------------------------------------


def _later(minutes: int):
    moment = timezone.now() + timedelta(minutes=minutes)
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_a_session_ends_after_the_idle_time(partner_a_admin, page_client):
    client = page_client.as_user(partner_a_admin)
    home = reverse("portal:home")
    assert client.get(home).status_code == 200

    with _later(settings.PRM_SESSION_IDLE_MINUTES + 1):
        response = client.get(home)

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_each_request_pushes_the_idle_time_forward(partner_a_admin, page_client):
    client = page_client.as_user(partner_a_admin)
    home = reverse("portal:home")
    idle = settings.PRM_SESSION_IDLE_MINUTES

    with _later(idle - 5):
        assert client.get(home).status_code == 200
    with _later(2 * idle - 10):
        assert client.get(home).status_code == 200


def test_the_idle_time_is_a_setting(settings):
    assert settings.SESSION_COOKIE_AGE == settings.PRM_SESSION_IDLE_MINUTES * 60
    assert min(60, settings.SESSION_COOKIE_AGE // 10) == settings.PRM_SESSION_REFRESH_SECONDS
    assert not settings.SESSION_SAVE_EVERY_REQUEST  # the middleware refreshes; not a write on every request
    sessions = settings.MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert settings.MIDDLEWARE.index("prm.security.SessionIdleMiddleware") == sessions + 1


def _session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and '"django_session"' in q["sql"]]


def test_pages_soon_after_the_last_refresh_write_no_session_and_one_after_the_slack_does(partner_a_admin, page_client):
    client = page_client.as_user(partner_a_admin)
    home = reverse("portal:home")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    expiry = Session.objects.get(pk=key).expire_date  # signing in saved the session: that was the last refresh

    with CaptureQueriesContext(connection) as pages:
        assert client.get(home).status_code == 200
        assert client.get(home).status_code == 200
    assert _session_writes(pages) == []
    assert Session.objects.get(pk=key).expire_date == expiry

    with _later(2), CaptureQueriesContext(connection) as later:
        assert client.get(home).status_code == 200
    assert len(_session_writes(later)) == 1
    assert Session.objects.get(pk=key).expire_date >= expiry + timedelta(minutes=2)


def test_a_visitor_without_a_session_gets_none(client, db):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("login")).status_code == 200
    assert not any("django_session" in q["sql"] for q in queries)
    assert settings.SESSION_COOKIE_NAME not in client.cookies
