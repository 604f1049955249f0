"""The base classes of every server-rendered page: sign-in, tenancy and role permissions in one place.

A page view derives from ScopedPageMixin and declares `permission_required`; if it shows or changes one
object it gets it through `get_queryset()`, which tenancy scopes, so somebody else's object is a 404 before
any role check can answer 403. Forms are validated by the same serializers as the API, and written by the
same services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.views.generic import TemplateView
from rest_framework.exceptions import ValidationError as DrfValidationError

from prm import tenancy
from prm.errors import DomainError
from prm.filters import without_empty
from prm.permissions import has_perm


class ScopedPageMixin(AccessMixin):
    permission_required: str = ""
    model: type[models.Model] | None = None
    queryset: models.QuerySet | None = None
    pk_url_kwarg = "pk"
    #: True for views that show or change one object named in the URL.
    object_view = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.is_active:
            raise PermissionDenied
        if self.object_view:
            self.object = self.get_object()  # 404 first: never tell a stranger the object exists
        if not self.permission_required or not has_perm(request.user, self.permission_required):
            raise PermissionDenied("Your role cannot open this page.")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> models.QuerySet:
        queryset = self.queryset if self.queryset is not None else self.model._default_manager.all()
        return tenancy.scope(queryset.all(), self.request.user)

    def get_object(self, queryset=None):
        if getattr(self, "object", None) is not None:
            return self.object
        return tenancy.get_visible_or_404(
            queryset if queryset is not None else self.get_queryset(),
            self.request.user,
            pk=self.kwargs[self.pk_url_kwarg],
        )


class SerializerFormMixin:
    """Render a Django form, validate the POST with the API's serializer, write with the API's service.

    Subclasses set `form_class` (rendering), `serializer_class` (validation) and implement `perform(data)`,
    which calls the service and returns the object to redirect to."""

    form_class = None
    serializer_class = None
    success_message = "Saved."

    def get_form(self, data=None):
        return self.form_class(data=data, initial=self.get_initial(), request=self.request)

    def get_initial(self) -> dict[str, Any]:
        return {}

    def get_serializer(self, data):
        instance = getattr(self, "object", None)
        return self.serializer_class(
            instance=instance, data=data, partial=instance is not None, context={"request": self.request}
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        form = self.get_form(data=request.POST)
        serializer = self.get_serializer(self.get_serializer_data(request.POST))
        try:
            serializer.is_valid(raise_exception=True)
            result = self.perform(serializer.validated_data)
        except DrfValidationError as exc:
            _add_errors(form, exc.detail)
        except DjangoValidationError as exc:
            _add_errors(form, exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages})
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, self.success_message)
            return HttpResponseRedirect(self.get_success_url(result))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_serializer_data(self, post):
        """Only the form's fields, so a page can never write what its form does not show."""
        form_fields = self.form_class.base_fields.keys()
        data = {}
        for name in form_fields:
            if name in post:
                values = post.getlist(name)
                data[name] = values if len(values) > 1 else values[0]
            else:
                data[name] = False if self._is_checkbox(name) else None
        return {k: v for k, v in data.items() if v is not None}

    def _is_checkbox(self, name: str) -> bool:
        from django import forms

        return isinstance(self.form_class.base_fields[name], forms.BooleanField)

    def perform(self, data: dict[str, Any]):
        raise NotImplementedError

    def get_success_url(self, result) -> str:
        return result.get_absolute_url()


def _add_errors(form, detail) -> None:
    for field, errors in detail.items() if isinstance(detail, dict) else [("__all__", detail)]:
        errors = errors if isinstance(errors, list) else [errors]
        target = field if field in form.fields else None
        if target:
            widget = form.fields[target].widget
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
        for error in errors:
            text = str(error) if target or field in ("__all__", "non_field_errors") else f"{field}: {error}"
            form.add_error(target, text)


class ListPageMixin:
    """A list page: filters, sort and one page of rows, with the query strings its links need; an htmx
    request (a filter change, a sort click, the next page) gets only `partial_template`, which holds everything
    that depends on the query (rows, counts, the export link), so nothing on the page keeps a stale query."""

    page_size = 25
    partial_template = ""

    def get_template_names(self):
        if self.partial_template and self.request.htmx and not self.request.htmx.boosted:
            return [self.partial_template]
        return super().get_template_names()

    def list_context(self, result, *, paginator_class=Paginator) -> dict[str, Any]:
        """The context of a list from a `prm.filters.ListResult`. A list whose filters are invalid shows their
        errors over an empty page; it is never handed to a paginator that would run (or EXPLAIN) its query."""
        if result.errors:
            paginator_class = Paginator
        page = paginator_class(result.queryset, self.page_size).get_page(self.request.GET.get("page"))
        params = without_empty(self.request.GET)
        params.pop("page", None)
        sort_params = params.copy()
        sort_params.pop("sort", None)
        return {
            "filterset": result.filterset,
            "filter_errors": result.errors,
            "page": page,
            "count_exact": getattr(page.paginator, "exact", True),
            "sort": result.sort,
            "query": params.urlencode(),
            "sort_query": sort_params.urlencode(),
        }


class ComingSoonView(ScopedPageMixin, TemplateView):
    """A lifecycle area that a later release fills. Named so the navigation is whole from day one."""

    template_name = "coming_soon.html"
    permission_required = "portal.manager"
    area = ""
    blurb = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(area=self.area, blurb=self.blurb, **kwargs)


def coming_soon(area: str, blurb: str):
    return ComingSoonView.as_view(area=area, blurb=blurb)


# Links whose URL name does not exist (yet) are left out, so an app adds its page and the link appears.
MANAGER_NAV = [
    ("Overview", [("Dashboard", "manage:dashboard", "speedometer2")]),
    (
        "Recruit",
        [("Partners", "manage:partner-list", "building"), ("Applications", "manage:applications", "inbox")],
    ),
    (
        "Onboard & enable",
        [
            ("Onboarding", "manage:onboarding", "list-check"),
            ("Training", "manage:enablement", "mortarboard"),
            ("Resources", "manage:resources", "folder2-open"),
        ],
    ),
    (
        "Engage",
        [("Announcements", "manage:announcements", "megaphone"), ("Surveys", "manage:surveys", "chat-square-heart")],
    ),
    (
        "Sell",
        [
            ("Deals", "manage:deals", "briefcase"),
            ("Leads", "manage:leads", "bullseye"),
            ("Cases", "manage:cases", "life-preserver"),
        ],
    ),
    (
        "Incentivize",
        [("Incentives", "manage:incentives", "gift"), ("MDF", "manage:mdf", "cash-coin")],
    ),
    ("Measure", [("Scorecards", "manage:performance", "graph-up")]),
    ("Program", [("Tiers", "manage:tier-list", "layers"), ("API keys", "account:api-keys", "key")]),
]

PARTNER_NAV = [
    (
        "",
        [
            ("Home", "portal:home", "house"),
            ("Onboarding", "portal:onboarding", "list-check"),
            ("Training", "portal:courses", "mortarboard"),
            ("Resources", "portal:resources", "folder2-open"),
            ("Deals", "portal:deals", "briefcase"),
            ("Leads", "portal:leads", "bullseye"),
            ("Cases", "portal:cases", "life-preserver"),
            ("Announcements", "portal:announcements", "megaphone"),
            ("Surveys", "portal:surveys", "chat-square-heart"),
            ("Our users", "portal:users", "people"),
            ("Agreements", "portal:agreements", "file-earmark-text"),
            ("API keys", "account:api-keys", "key"),
        ],
    ),
]


def navigation(request) -> dict[str, Any]:
    """The sidebar of the portal the signed-in user belongs to."""
    from django.conf import settings

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"program_name": settings.PRM_PROGRAM_NAME}
    nav = MANAGER_NAV if has_perm(user, "portal.manager") else PARTNER_NAV
    current = getattr(request, "resolver_match", None)
    current_name = f"{current.namespace}:{current.url_name}" if current and current.namespace else None
    sections = []
    for title, items in nav:
        links = []
        for label, url_name, icon in items:
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            active = current_name == url_name or (request.path.startswith(url) and url not in ("/manage/", "/portal/"))
            links.append({"label": label, "url": url, "icon": icon, "active": active})
        sections.append({"title": title, "links": links})
    return {"nav_sections": sections, "program_name": settings.PRM_PROGRAM_NAME}
