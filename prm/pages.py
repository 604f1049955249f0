"""The base classes of every server-rendered page: sign-in, tenancy and role permissions in one place.

A page view derives from ScopedPageMixin and declares `permission_required`; if it shows or changes one
object it gets it through `get_queryset()`, which tenancy scopes, so somebody else's object is a 404 before
any role check can answer 403. Forms are validated by the same serializers as the API, and written by the
same services.

The page vocabulary, defined once here:
- `ScopedPageMixin`: sign-in, tenancy (another organization's object is a 404 first), the portal's own role (every
  page under `/manage/` requires `portal.manager`, every page under `/portal/` `portal.partner`, whatever the view
  declares), then `permission_required`.
- `PortalPageMixin`: a partner-portal page, with the signed-in user's partner in the context.
- `ActionPageView`: a POST button (POST → validate → service → message → redirect), catching the same errors
  everywhere: a `DomainError` or a validation error is a red message, never a 500.
- `SerializerFormMixin`: a form page validated by the API's serializer and written by the API's service.
- `errors_as_messages()`: any validation or domain error as the sentences a user reads, each message once."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db import models
from django.forms.forms import NON_FIELD_ERRORS
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject
from django.views.generic import View
from rest_framework.exceptions import ValidationError as DrfValidationError

from prm import tenancy
from prm.errors import DomainError
from prm.filters import without_empty
from prm.permissions import has_perm

#: The role a whole portal requires, by URL namespace. A view both portals mount (a deal's comment, win and lose
#: buttons) is staff-only under `/manage/` and partner-only under `/portal/` without declaring anything.
PORTAL_PERMISSIONS = {"manage": "portal.manager", "portal": "portal.partner"}


class ScopedPageMixin(AccessMixin):
    permission_required: str = ""
    #: The portal's own permission; by default the one of the URL namespace the page is mounted in.
    portal_permission: str | None = None
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
        portal_permission = self.get_portal_permission()
        if portal_permission and not has_perm(request.user, portal_permission):
            raise PermissionDenied("This portal is not for your role.")
        if not self.permission_required or not has_perm(request.user, self.permission_required):
            raise PermissionDenied("Your role cannot open this page.")
        return super().dispatch(request, *args, **kwargs)

    def get_portal_permission(self) -> str | None:
        if self.portal_permission:
            return self.portal_permission
        match = getattr(self.request, "resolver_match", None)
        return PORTAL_PERMISSIONS.get(match.namespace) if match else None

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


NON_FIELD_KEYS = frozenset({"non_field_errors", NON_FIELD_ERRORS})


def error_items(exc_or_detail) -> list[tuple[str | None, str]]:
    """(field, message) pairs of a DRF or Django ValidationError, a DomainError or a serializer's `.errors`, each
    pair once, in order. `field` is None for errors of the whole form. Nested errors (a list of rows) are
    reported under their outer field: a user fixes the field, not an index in a JSON body."""
    if isinstance(exc_or_detail, DomainError):
        return [(None, exc_or_detail.message)]
    if isinstance(exc_or_detail, DrfValidationError):
        detail = exc_or_detail.detail
    elif isinstance(exc_or_detail, DjangoValidationError):
        detail = exc_or_detail.message_dict if hasattr(exc_or_detail, "error_dict") else exc_or_detail.messages
    else:
        detail = exc_or_detail
    items: list[tuple[str | None, str]] = []

    def walk(field: str | None, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(field if field is not None or key in NON_FIELD_KEYS else str(key), inner)
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(field, inner)
        else:
            text = str(value).strip()
            if text and (field, text) not in items:
                items.append((field, text))

    walk(None, detail)
    return items


def field_label(field: str, labels: dict[str, str] | None = None) -> str:
    """The name a user knows a field by: the form's label when there is one, else "customer_name" → "Customer name"."""
    if labels and labels.get(field):
        return str(labels[field])
    return field.replace("_", " ").strip().capitalize()


def errors_as_messages(exc_or_detail, labels: dict[str, str] | None = None) -> list[str]:
    """Any validation or domain error as user-facing sentences ("Reason: This field may not be blank."), each
    message once even when the serializer, the model and the service all said it."""
    messages_: list[str] = []
    for field, text in error_items(exc_or_detail):
        message = text if field is None else f"{field_label(field, labels)}: {text}"
        if message not in messages_:
            messages_.append(message)
    return messages_


PAGE_ERRORS = (DrfValidationError, DjangoValidationError, DomainError)


def post_to_data(post, form_class, files=None) -> dict[str, Any]:
    """A form's POST as the data its serializer takes: only the form's fields, so a page can never write what its
    form does not show; a multi-select is always a list (none selected is an empty list), an unticked checkbox
    is False, a file comes from `files`, and an empty optional number is left out rather than sent as ""."""
    from django import forms

    data: dict[str, Any] = {}
    for name, field in form_class.base_fields.items():
        if isinstance(field, forms.FileField):
            if files is not None and files.get(name):
                data[name] = files[name]
        elif isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            data[name] = post.getlist(name)
        elif isinstance(field, forms.BooleanField):
            data[name] = name in post and post.get(name) not in ("", "false", "False", "0", "off")
        elif name in post:
            if post[name] == "" and isinstance(field, forms.IntegerField | forms.DecimalField) and not field.required:
                continue
            data[name] = post[name]
    return data


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
        except PAGE_ERRORS as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, self.success_message)
            return HttpResponseRedirect(self.get_success_url(result))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_serializer_data(self, post):
        return post_to_data(post, self.form_class, files=self.request.FILES)

    def perform(self, data: dict[str, Any]):
        raise NotImplementedError

    def get_success_url(self, result) -> str:
        return result.get_absolute_url()


def add_form_errors(form, exc) -> None:
    """Put the serializer's or service's errors on the form: on the field when the form shows it, else at the top
    with the field's label. A message the form itself already shows (its own "This field is required.") is not
    added a second time."""
    labels = {name: field.label for name, field in form.fields.items()}
    for field, text in error_items(exc):
        target = field if field in form.fields else None
        shown = [str(e) for e in form.errors.get(target or NON_FIELD_ERRORS, [])]
        if target is None and field is not None:
            text = f"{field_label(field, labels)}: {text}"
        if target:
            widget = form.fields[target].widget
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
        if text not in shown:
            form.add_error(target, text)


class PostOnlyMixin:
    """For a button's URL (an action page): a GET is a 405 for anyone of the portal's roles who may see the object
    (after the 404 for anyone who may not), whatever their own role — the URL is a button, not a page, so a role
    that may not press it learns that from the page it is on, not from a 403 on a URL it never opens."""

    def dispatch(self, request, *args, **kwargs):
        portal = self.get_portal_permission()
        if (
            request.user.is_authenticated
            and request.method.lower() not in self.http_method_names
            and (not portal or has_perm(request.user, portal))
        ):
            if self.object_view:
                self.object = self.get_object()
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)


class ActionPageView(ScopedPageMixin, View):
    """A POST button on one object (or none: `object_view = False`): validate with `serializer_class` (the API's),
    call the service in `perform(data)`, say what happened, go back. Subclasses declare `permission_required`,
    implement `perform()` and `get_success_url()`. A validation or domain error is a red message per problem
    (each once), a 409 or 403 of the API is a banner here, never a 500.

    `perform()` returns the success message, or None to use `success_message` (formatted with `obj`)."""

    object_view = True
    http_method_names = ["post"]
    serializer_class = None
    success_message = ""
    #: Put before every error message ("Not rejected: …").
    error_prefix = ""

    def get_serializer_data(self):
        return self.request.POST

    def validated(self, serializer_class=None, data=None) -> dict[str, Any]:
        """The serializer's validated data; raises DRF's ValidationError, which `post()` turns into messages."""
        serializer_class = serializer_class or self.serializer_class
        serializer = serializer_class(
            data=self.get_serializer_data() if data is None else data, context={"request": self.request}
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def post(self, request, *args, **kwargs):
        try:
            data = self.validated() if self.serializer_class is not None else {}
            text = self.perform(data)
        except PAGE_ERRORS as exc:
            for message in errors_as_messages(exc):
                messages.error(request, f"{self.error_prefix}{message}")
            return self.failed(exc)
        text = text if text is not None else self.success_message.format(obj=getattr(self, "object", None))
        if text:
            messages.success(request, text)
        return HttpResponseRedirect(self.get_success_url())

    def failed(self, exc) -> HttpResponse:
        return HttpResponseRedirect(self.get_success_url())

    def perform(self, data: dict[str, Any]) -> str | None:
        raise NotImplementedError

    def get_success_url(self) -> str:
        raise NotImplementedError


class PortalPageMixin(ScopedPageMixin):
    """A partner-portal page: partner roles only, with the user's own organization as `partner` in the context."""

    portal_permission = "portal.partner"
    permission_required = "portal.partner"

    def get_context_data(self, **kwargs):
        from partners.models import Partner

        user = self.request.user
        # Lazy: a page whose template never shows the partner pays no query for it.
        partner = SimpleLazyObject(
            lambda: tenancy.get_visible_or_404(
                Partner.objects.select_related("tier", "manager"), user, pk=user.partner_id
            )
        )
        return super().get_context_data(partner=partner, **kwargs)


class ManagerPageMixin(ScopedPageMixin):
    """A manager-portal page: staff roles only, wherever it is mounted."""

    portal_permission = "portal.manager"
    permission_required = "portal.manager"


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
        [
            ("Programs", "manage:incentives", "gift"),
            ("Accruals", "manage:accrual-list", "journal-text"),
            ("MDF", "manage:mdf", "cash-coin"),
            ("Payouts", "manage:statement-list", "receipt"),
            ("Leaderboard", "manage:leaderboard", "trophy"),
        ],
    ),
    (
        "Measure",
        [
            ("Program analytics", "manage:performance", "graph-up"),
            ("Scorecards", "manage:scorecard-list", "clipboard-data"),
            ("Tier proposals", "manage:tier-proposal-list", "arrow-down-up"),
            ("Business plans", "manage:plan-list", "clipboard-check"),
        ],
    ),
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
        ],
    ),
    (
        "Performance",
        [
            ("My performance", "portal:my-performance", "graph-up-arrow"),
            ("Business plans", "portal:plan-list", "clipboard-check"),
            ("Leaderboard", "portal:leaderboard", "trophy"),
        ],
    ),
    (
        "Earnings",
        [
            ("My earnings", "portal:earnings", "piggy-bank"),
            ("Programs", "portal:program-list", "gift"),
            ("Statements", "portal:statement-list", "receipt"),
            ("MDF", "portal:mdf", "cash-coin"),
        ],
    ),
    (
        "Organization",
        [
            ("Announcements", "portal:announcements", "megaphone"),
            ("Surveys", "portal:surveys", "chat-square-heart"),
            ("Our users", "portal:users", "people"),
            ("Agreements", "portal:agreements", "file-earmark-text"),
            ("API keys", "account:api-keys", "key"),
        ],
    ),
]


@lru_cache(maxsize=8)
def _reversed_nav(portal: str, resolver, script_prefix: str) -> tuple:
    """A portal's sidebar with each link's URL, reversed once per URL configuration (`resolver`, a new one after
    `clear_url_caches()`) and script prefix rather than some thirty `reverse()` calls on every page."""
    nav = MANAGER_NAV if portal == "manager" else PARTNER_NAV
    sections = []
    for title, items in nav:
        links = []
        for label, url_name, icon in items:
            try:
                links.append((label, url_name, icon, reverse(url_name, urlconf=resolver.urlconf_name)))
            except NoReverseMatch:
                continue
        sections.append((title, tuple(links)))
    return tuple(sections)


def navigation(request) -> dict[str, Any]:
    """The sidebar of the portal the signed-in user belongs to."""
    from django.conf import settings

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"program_name": settings.PRM_PROGRAM_NAME}
    portal = "manager" if has_perm(user, "portal.manager") else "partner"
    current = getattr(request, "resolver_match", None)
    current_name = f"{current.namespace}:{current.url_name}" if current and current.namespace else None
    sections, lit = [], []
    for title, items in _reversed_nav(portal, get_resolver(get_urlconf()), get_script_prefix()):
        links = []
        for label, url_name, icon, url in items:
            active = current_name == url_name or (request.path.startswith(url) and url not in ("/manage/", "/portal/"))
            links.append({"label": label, "url": url, "icon": icon, "active": active})
            if active:
                lit.append((current_name == url_name, len(url), links[-1]))
        sections.append({"title": title, "links": links})
    # One link lit: the page's own, else the deepest one it is under (/manage/performance/scorecards/ is the
    # scorecard list's, not the performance dashboard's at /manage/performance/).
    for *_, link in sorted(lit, key=lambda item: item[:2])[:-1]:
        link["active"] = False
    return {"nav_sections": sections, "program_name": settings.PRM_PROGRAM_NAME}
