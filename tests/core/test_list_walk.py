"""The list walk: every list endpoint of the API router and every list page (a view deriving from ListPageMixin)
answers an empty filter form exactly as no filter, and out-of-range filter values with a 400 or an error on the
page, never a 5xx. Routes are discovered, so a list added later is covered without anyone remembering.

Rows come from the isolation walk's makers (`tests/*/owned.py`): every tenant-owned model gets a row of
organization A, so no list is walked empty."""

import django_filters
import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from prm.pages import ListPageMixin

from ..factories import PartnerFactory
from .owned import OWNED_OBJECT_MAKERS
from .routes import api_viewsets, page_routes

#: Out-of-range and malformed values: an id or number past 64 bits, a non-number (and unknown choice), an
#: impossible and an out-of-range date, an exponent no database column holds.
BAD_VALUES = ["-749920236982043324448768", "abc", "2026-13-45", "9999-12-31", "0001-01-01", "1e999999"]


def _list_viewsets():
    return [(prefix, viewset, basename) for prefix, viewset, basename in api_viewsets() if hasattr(viewset, "list")]


def _list_pages():
    return [r for r in page_routes() if r.view_class and issubclass(r.view_class, ListPageMixin) and not r.kwargs]


def _filter_names(filterset_class) -> list[str]:
    return list(filterset_class.base_filters) if filterset_class else []


@pytest.fixture
def rows(partner_a, partner_b):
    """A row of every tenant-owned model for organization A (and the partner B exists), as the makers make them."""
    for maker in OWNED_OBJECT_MAKERS.values():
        try:
            with transaction.atomic():
                maker(partner_a)
        except IntegrityError:  # one row per organization (an onboarding plan): another organization gets it
            maker(PartnerFactory(tier=partner_a.tier, country="GB"))


def _as(user, api):
    return api.as_user(user)


def _api_ids(response) -> list:
    body = response.json()
    if isinstance(body, dict) and "results" not in body:
        return [body]  # one object, not rows (program analytics): compared whole
    results = body["results"] if isinstance(body, dict) else body
    return [row.get("id", row.get("key", row.get("prefix"))) for row in results]


def test_the_walk_finds_the_lists_we_know_about():
    assert {"partners", "deals", "cases", "onboarding-plans", "onboarding-steps", "quiz-questions"} <= {
        p for p, _, _ in _list_viewsets()
    }
    assert {"manage:partner-list", "manage:deals", "manage:cases", "manage:onboarding", "portal:cases"} <= {
        r.name for r in _list_pages()
    }


# --- the API -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix,viewset,basename", _list_viewsets(), ids=lambda v: v if isinstance(v, str) else "")
def test_api_list_empty_filters_give_the_rows_of_no_filter(
    prefix, viewset, basename, rows, program_admin, partner_a_admin, api
):
    names = _filter_names(getattr(viewset, "filterset_class", None))
    url = reverse(f"{basename}-list")
    for user in (program_admin, partner_a_admin):
        client = _as(user, api)
        plain = client.get(url, {"page_size": 500})
        empty = client.get(url, {"page_size": 500, **dict.fromkeys(names, "")})
        assert plain.status_code == empty.status_code, (user.role, empty.content[:300])
        if plain.status_code == 200:
            assert _api_ids(empty) == _api_ids(plain), user.role


@pytest.mark.parametrize("prefix,viewset,basename", _list_viewsets(), ids=lambda v: v if isinstance(v, str) else "")
def test_api_list_out_of_range_filter_values_are_never_a_server_error(
    prefix, viewset, basename, rows, program_admin, api
):
    client = _as(program_admin, api)
    url = reverse(f"{basename}-list")
    names = [*_filter_names(getattr(viewset, "filterset_class", None)), "ordering", "page", "page_size"]
    failures = {}
    for name in names:
        for value in BAD_VALUES:
            status = client.get(url, {name: value}).status_code
            if status >= 500:
                failures[f"{name}={value}"] = status
    assert failures == {}


# --- the pages -----------------------------------------------------------------------------------------------


def _page_user(route, program_admin, partner_a_admin):
    return program_admin if route.name.startswith("manage:") else partner_a_admin


def _page_ids(response) -> list:
    return [getattr(row, "pk", row) for row in response.context["page"].object_list]


@pytest.mark.parametrize("route", _list_pages(), ids=lambda r: r.name)
def test_page_list_empty_filters_give_the_rows_of_no_filter(route, rows, program_admin, partner_a_admin, page_client):
    client = page_client.as_user(_page_user(route, program_admin, partner_a_admin))
    url = reverse(route.name)
    plain = client.get(url)
    assert plain.status_code == 200
    filterset = plain.context["filterset"]
    empty = client.get(url, dict.fromkeys([*filterset.filters, "sort", "page"], ""))
    assert empty.status_code == 200
    assert not empty.context["filterset"].errors
    assert _page_ids(plain), f"{route.name}: the walk needs rows to compare"
    assert _page_ids(empty) == _page_ids(plain)
    # the same through htmx, as the page's own filter bar sends it
    partial = client.get(url, dict.fromkeys(filterset.filters, ""), headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert _page_ids(partial) == _page_ids(plain)


@pytest.mark.parametrize("route", _list_pages(), ids=lambda r: r.name)
def test_page_list_out_of_range_filter_values_are_never_a_server_error(
    route, rows, program_admin, partner_a_admin, page_client
):
    client = page_client.as_user(_page_user(route, program_admin, partner_a_admin))
    url = reverse(route.name)
    names = [*client.get(url).context["filterset"].filters, "sort", "page"]
    failures = {}
    for value in BAD_VALUES:  # the whole page, its filter bar showing every bad value back
        status = client.get(url, dict.fromkeys(names, value)).status_code
        if status >= 500:
            failures[f"all={value}"] = status
    for name in names:  # one at a time, so no invalid neighbour hides a filter that crashes; the htmx partial
        for value in BAD_VALUES:
            status = client.get(url, {name: value}, headers={"HX-Request": "true"}).status_code
            if status >= 500:
                failures[f"{name}={value}"] = status
    assert failures == {}


def test_bad_values_cover_every_kind_of_filter():
    """If a new kind of filter appears, say which bad values it should get before walking it."""
    known = (
        django_filters.NumberFilter,
        django_filters.ModelChoiceFilter,
        django_filters.ModelMultipleChoiceFilter,
        django_filters.ChoiceFilter,
        django_filters.MultipleChoiceFilter,
        django_filters.DateFilter,
        django_filters.BooleanFilter,
        django_filters.CharFilter,
    )
    kinds = set()
    for _, viewset, _ in _list_viewsets():
        filterset_class = getattr(viewset, "filterset_class", None)
        for filter_ in (filterset_class.base_filters if filterset_class else {}).values():
            kinds.add(type(filter_))
    assert [kind.__name__ for kind in kinds if not issubclass(kind, known)] == []
