"""The permission map is the only authority.

Every API action and every page, for every role, answers as `prm.permissions` says: what the map allows is not a
403, what it refuses is a 403. Routes are found by walking the router and the URL resolver (like the isolation
walk), so a new endpoint is covered without anyone remembering it."""

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import pytest
from auditlog.context import disable_auditlog
from django.urls import reverse

from onboarding.permissions import COMPLETE_STEP_PERMISSIONS
from prm import tenancy
from prm.errors import NotPermitted
from prm.pages import PORTAL_PERMISSIONS, ScopedPageMixin
from prm.permissions import has_perm
from prm.plugins import DOMAIN_APPS

from .owned import OWNED_OBJECT_MAKERS
from .routes import PageRoute, api_viewsets, page_routes

ROOT = Path(__file__).resolve().parents[2]
PERMISSION_MODULES = ["prm.permissions"] + [
    f"{app}.permissions" for app in DOMAIN_APPS if find_spec(app) and find_spec(f"{app}.permissions")
]


# --- the import-order trap -----------------------------------------------------------------------------------


@pytest.mark.parametrize("module", PERMISSION_MODULES)
def test_each_permissions_module_can_be_imported_first_in_a_fresh_interpreter(module):
    # prm.permissions imports every <app>.permissions to build the one map; an app module that imported
    # prm.permissions back failed when it was the first one imported (a circular import)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "prm.settings.test"}
    code = f"import {module}; import prm.permissions; assert prm.permissions.has_perm"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


# --- the walk ------------------------------------------------------------------------------------------------

ROLES = ["program_admin", "manager", "finance", "partner_a_admin", "partner_a_rep"]  # fixture names, one per role
STANDARD_ACTIONS = {  # DRF's own actions: (detail?, method)
    "list": (False, "get"),
    "create": (False, "post"),
    "retrieve": (True, "get"),
    "update": (True, "put"),
    "partial_update": (True, "patch"),
    "destroy": (True, "delete"),
}
#: Actions where the map is asked twice: for the action, then for this object (whose step it is). The service
#: asks the same name, so the walk expects exactly the map's answer for the object it made.
OBJECT_PERMISSIONS = {("onboardingstep", "complete"): lambda step: COMPLETE_STEP_PERMISSIONS[step.owner]}


@dataclass(frozen=True)
class ApiRoute:
    basename: str
    viewset: type
    action: str  # the name action_permissions uses
    url_name: str
    method: str
    detail: bool

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.basename}:{self.action}"


def _api_routes() -> list[ApiRoute]:
    routes = []
    for _, viewset, basename in api_viewsets():
        for action, (detail, method) in STANDARD_ACTIONS.items():
            if hasattr(viewset, action):
                routes.append(ApiRoute(basename, viewset, action, "detail" if detail else "list", method, detail))
        for extra in viewset.get_extra_actions():
            for method, handler in extra.mapping.items():
                routes.append(ApiRoute(basename, viewset, handler, extra.url_name, method, extra.detail))
    return routes


def _program_object_makers() -> dict[type, Callable]:
    """Rows that belong to the whole program (no partner): made directly, visible to every role the map allows."""
    from deals.models import ExchangeRate
    from onboarding.models import OnboardingTemplate, OnboardingTemplateStep
    from partners.models import ScreeningCriterion, Survey, Tier

    from ..deals.factories import ExchangeRateFactory
    from ..factories import TierFactory
    from ..onboarding.factories import OnboardingTemplateFactory, OnboardingTemplateStepFactory
    from ..partners.factories import ScreeningCriterionFactory, SurveyFactory

    return {
        Tier: TierFactory,
        ScreeningCriterion: ScreeningCriterionFactory,
        Survey: SurveyFactory,
        OnboardingTemplate: OnboardingTemplateFactory,
        OnboardingTemplateStep: OnboardingTemplateStepFactory,
        ExchangeRate: ExchangeRateFactory,
    }


def _make_object(model, partner):
    if model in OWNED_OBJECT_MAKERS:
        return OWNED_OBJECT_MAKERS[model](partner)[0]
    return _program_object_makers()[model]()


def _arrange(request, role: str, model=None):
    """The role's user and, for a route that names one, an object of organization A. Made without audit entries:
    the walk makes about 1,300 of them, and the audit trail of test data is not what it checks (the request
    itself runs with auditing on)."""
    with disable_auditlog():
        partner_a = request.getfixturevalue("partner_a")
        user = request.getfixturevalue(role)
        return user, (_make_object(model, partner_a) if model is not None else None)


def _visible(obj, user) -> bool:
    return tenancy.scope(type(obj)._default_manager.filter(pk=obj.pk), user).exists()


def _assert_answer(status: int, *, allowed: bool, visible: bool, where: str) -> None:
    assert status < 500, f"{where}: server error {status}"
    if not visible:
        assert status in (403, 404), f"{where}: another organization's object answered {status}"
    elif allowed:
        assert status != 403, f"{where}: the map allows it, the answer is 403"
    else:
        assert status == 403, f"{where}: the map refuses it, the answer is {status}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", _api_routes(), ids=str)
def test_api_answers_as_the_map_says(route, role, request, db, api):
    user, obj = _arrange(request, role, route.viewset.queryset.model if route.detail else None)
    permission = route.viewset.action_permissions.get(route.action)
    allowed = permission is not None and has_perm(user, permission)
    visible, args = True, []
    if route.detail:
        visible = _visible(obj, user)
        args = [getattr(obj, route.viewset.lookup_field)]
        if allowed and (route.basename, route.action) in OBJECT_PERMISSIONS:
            permission = OBJECT_PERMISSIONS[route.basename, route.action](obj)
            allowed = has_perm(user, permission)
    url = reverse(f"{route.basename}-{route.url_name}", args=args)

    response = getattr(api.as_user(user), route.method)(url, {}, format="json")

    _assert_answer(response.status_code, allowed=allowed, visible=visible, where=f"{route} as {role} ({permission})")


def _model_of(view_class):
    return view_class.queryset.model if view_class.queryset is not None else view_class.model


def _walked_pages() -> list[PageRoute]:
    return [r for r in page_routes() if r.view_class is not None and issubclass(r.view_class, ScopedPageMixin)]


def _page_permissions(route: PageRoute) -> list[str]:
    portal = route.view_class.portal_permission or PORTAL_PERMISSIONS.get(route.name.split(":")[0])
    return [p for p in (portal, route.view_class.permission_required) if p]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", _walked_pages(), ids=lambda r: r.name)
def test_page_answers_as_the_map_says(route, role, request, db, page_client):
    user, obj = _arrange(request, role, _model_of(route.view_class) if route.kwargs else None)
    permissions = _page_permissions(route)
    allowed = bool(route.view_class.permission_required) and all(has_perm(user, p) for p in permissions)
    kwargs, visible = {}, True
    if route.kwargs:
        kwarg = route.kwargs[0]
        kwargs = {kwarg: obj.pk if kwarg == "pk" else getattr(obj, kwarg)}
        visible = _visible(obj, user)
    url = reverse(route.name, kwargs=kwargs)
    method = "get" if hasattr(route.view_class, "get") else "post"

    response = getattr(page_client.as_user(user), method)(url)

    _assert_answer(response.status_code, allowed=allowed, visible=visible, where=f"{method} {route.name} as {role}")


def test_the_walk_covers_the_routes_we_know_about():
    api = {str(r) for r in _api_routes()}
    assert {"POST deal:approve", "POST case:post_message", "GET deal:list", "POST lead:accept"} <= api
    pages = {r.name for r in _walked_pages()}
    assert {"manage:deal-approve", "portal:case-close", "manage:partner-list"} <= pages


# --- services ask the map ------------------------------------------------------------------------------------


def test_finance_cannot_approve_a_deal_in_the_service(finance, partner_a):
    from deals import services as deal_services

    from ..deals.factories import DealFactory

    deal = DealFactory(partner=partner_a)
    with pytest.raises(NotPermitted):
        deal_services.deal_approve(actor=finance, deal=deal)
    deal.refresh_from_db()
    assert deal.status == "submitted"


def test_finance_gets_403_approving_a_deal_through_the_api(finance, partner_a, api):
    from ..deals.factories import DealFactory

    deal = DealFactory(partner=partner_a)
    response = api.as_user(finance).post(reverse("deal-approve", args=[deal.pk]), {}, format="json")

    assert response.status_code == 403
    deal.refresh_from_db()
    assert deal.status == "submitted"
