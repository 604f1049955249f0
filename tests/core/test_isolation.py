"""Tenant isolation, proven over every API route and every page (DESIGN.md: "Tenant isolation is enforced
once ... A test walks every registered API route and page and proves this").

Another organization's object is a 404 for reads and writes alike, on every route that takes an id; the
same object is reachable for a user of its own organization (so the 404 is isolation, not a broken route)."""

import pytest
from django.urls import reverse

from prm.accounts.api import MeView, TokenView
from prm.accounts.views import HomeView, LoginView
from prm.api.viewsets import ScopedViewSetMixin
from prm.pages import ScopedPageMixin
from prm.tenancy import is_tenant_owned

from .owned import OWNED_OBJECT_MAKERS
from .routes import api_viewsets, page_routes

# Views that are meant to be reachable without the scoped bases: sign-in, password reset, the home redirect.
PUBLIC_PAGE_VIEWS = {
    "LoginView",
    "LogoutView",
    "HomeView",
    "PasswordResetView",
    "PasswordResetDoneView",
    "PasswordResetConfirmView",
    "PasswordResetCompleteView",
    "ApplyView",
    "ApplyThanksView",
}
PUBLIC_PAGE_FUNCTIONS = {"healthz"}
WRITE_METHODS = ["post", "put", "patch", "delete"]


def _model_of(view_class):
    if getattr(view_class, "queryset", None) is not None:
        return view_class.queryset.model
    return getattr(view_class, "model", None)


def _owned_api_viewsets():
    return [(p, v, b) for p, v, b in api_viewsets() if is_tenant_owned(v.queryset.model)]


def _scoped_pages_with_kwargs():
    return [r for r in page_routes() if r.kwargs and r.view_class and issubclass(r.view_class, ScopedPageMixin)]


def _owned_object_pages():
    return [r for r in _scoped_pages_with_kwargs() if is_tenant_owned(_model_of(r.view_class))]


# --- every route derives from the scoped bases ------------------------------------------------------------


def test_every_api_viewset_derives_from_the_scoped_base():
    unscoped = [prefix for prefix, viewset, _ in api_viewsets() if not issubclass(viewset, ScopedViewSetMixin)]
    assert unscoped == []


def test_every_page_derives_from_the_scoped_base_or_is_a_known_public_page():
    offenders = []
    for route in page_routes():
        if route.view_class is None:
            if route.name.split(":")[-1] not in PUBLIC_PAGE_FUNCTIONS:
                offenders.append(route.route)
        elif not issubclass(route.view_class, ScopedPageMixin) and route.view_class.__name__ not in PUBLIC_PAGE_VIEWS:
            offenders.append(route.route)
    assert offenders == []


def test_every_scoped_page_with_an_id_in_its_url_looks_the_object_up_through_tenancy():
    loose = [r.route for r in _scoped_pages_with_kwargs() if not (r.view_class.object_view and _model_of(r.view_class))]
    assert loose == []


def test_every_tenant_owned_model_behind_a_route_has_an_object_maker():
    models = {v.queryset.model for _, v, _ in _owned_api_viewsets()}
    models |= {_model_of(r.view_class) for r in _owned_object_pages()}
    assert models - set(OWNED_OBJECT_MAKERS) == set()


def test_the_walk_covers_the_routes_we_know_about():
    prefixes = {p for p, _, _ in _owned_api_viewsets()}
    assert {"partners", "agreements", "users", "api-keys"} <= prefixes
    names = {r.name for r in _owned_object_pages()}
    assert {"manage:partner-detail", "manage:partner-edit", "manage:agreement-edit", "portal:user-deactivate"} <= names


# --- the API -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prefix,viewset,basename", _owned_api_viewsets(), ids=lambda v: v if isinstance(v, str) else ""
)
@pytest.mark.parametrize("stranger_role", ["partner_admin", "partner_rep"])
def test_api_another_organizations_object_is_404_on_every_method_and_action(
    prefix, viewset, basename, stranger_role, partner_a, partner_b, partner_b_admin, partner_b_rep, api
):
    obj, own_viewer = OWNED_OBJECT_MAKERS[viewset.queryset.model](partner_a)
    lookup = getattr(obj, viewset.lookup_field)
    stranger = partner_b_admin if stranger_role == "partner_admin" else partner_b_rep
    client = api.as_user(stranger)

    detail = reverse(f"{basename}-detail", args=[lookup])
    statuses = {
        method: getattr(client, method)(detail, {}, format="json").status_code for method in ["get", *WRITE_METHODS]
    }
    for extra in viewset.get_extra_actions():
        if extra.detail:
            url = reverse(f"{basename}-{extra.url_name}", args=[lookup])
            for method in extra.mapping:
                statuses[f"{method} {extra.url_name}"] = getattr(client, method)(url, {}, format="json").status_code
    assert set(statuses.values()) == {404}, statuses

    listing = client.get(reverse(f"{basename}-list"), {"page_size": 500})
    assert listing.status_code in (200, 403)  # 403: a staff-only list (applications) shows a partner nothing at all
    listed = listing.json()["results"] if listing.status_code == 200 else []
    assert str(lookup) not in {str(row.get(viewset.lookup_field, row.get("id"))) for row in listed}

    # the same object is reachable from its own organization: the 404 above is isolation, not a dead route
    assert api.as_user(own_viewer).get(detail).status_code == 200


@pytest.mark.parametrize("prefix,viewset,basename", api_viewsets(), ids=lambda v: v if isinstance(v, str) else "")
def test_api_anonymous_gets_401(prefix, viewset, basename, api, db):
    response = api.get(reverse(f"{basename}-list"))
    assert response.status_code == 401


def test_api_me_and_token_are_the_only_plain_views(db):
    from prm.api.urls import urlpatterns

    views = {getattr(p.callback, "view_class", None) for p in urlpatterns if hasattr(p, "callback")}
    assert {MeView, TokenView} <= views


# --- the pages -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", _owned_object_pages(), ids=lambda r: r.name)
def test_page_another_organizations_object_is_404_for_get_and_post(
    route, partner_a, partner_b_admin, manager, page_client
):
    obj, own_viewer = OWNED_OBJECT_MAKERS[_model_of(route.view_class)](partner_a)
    kwarg = route.kwargs[0]
    value = obj.pk if kwarg == "pk" else getattr(obj, kwarg)
    url = reverse(route.name, kwargs={kwarg: value})

    client = page_client.as_user(partner_b_admin)
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "x", "title": "x"}).status_code == 404
    # the object exists and is reachable by someone allowed to see it
    viewer = manager if route.name.startswith("manage:") else own_viewer
    assert page_client.as_user(viewer).get(url).status_code in (200, 405)


@pytest.mark.parametrize(
    "route",
    [r for r in page_routes() if r.view_class and issubclass(r.view_class, ScopedPageMixin) and not r.kwargs],
    ids=lambda r: r.name,
)
def test_page_anonymous_is_sent_to_login(route, client, db):
    response = client.get(reverse(route.name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "route",
    [r for r in page_routes() if r.name.startswith("manage:") and not r.kwargs],
    ids=lambda r: r.name,
)
def test_partner_users_cannot_open_manager_pages(route, partner_a_admin, page_client):
    assert page_client.as_user(partner_a_admin).get(reverse(route.name)).status_code == 403


@pytest.mark.parametrize(
    "route", [r for r in page_routes() if r.name.startswith("portal:") and not r.kwargs], ids=lambda r: r.name
)
def test_staff_are_not_sent_into_the_partner_portal(route, manager, page_client):
    assert page_client.as_user(manager).get(reverse(route.name)).status_code == 403


def test_public_pages_are_public(client, db):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("password_reset")).status_code == 200
    assert client.get(reverse("healthz")).content == b"ok"
    assert HomeView and LoginView
