"""Business plan pages, the same in both portals (the URL namespace picks the links): the list (filters, sort,
pages, CSV export for staff), the plan with each objective's progress bar and risk, the form (plan fields and
objective rows, validated by the API's serializer, written by the API's services) and the "Agree" button.
A partner's users see their own organization's plans; its admin may propose, change and agree them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import TemplateView, View
from rest_framework.exceptions import ValidationError as DrfValidationError

from partners.models import Partner
from partners.selectors import partner_choices
from prm import audit
from prm.exports import csv_response
from prm.forms import DateInput, LargeSelect, StyledForm
from prm.money import plain_decimal
from prm.pages import PAGE_ERRORS, ActionPageView, ListPageMixin, ScopedPageMixin, add_form_errors
from prm.permissions import has_perm

from . import plans
from .models import BusinessPlan, PlanStatus
from .periods import MONTH, QUARTER, Period
from .plan_api import BusinessPlanSerializer, plan_data

PLAN_QUERYSET = BusinessPlan.objects.select_related("partner", "created_by").prefetch_related("objectives")
#: Objective rows on the form; a plan has a handful of objectives (the API takes up to one per KPI).
OBJECTIVE_ROWS = 6


def _ns(request) -> str:
    return request.resolver_match.namespace if request.resolver_match else "portal"


def _urls(ns: str) -> dict[str, str]:
    return {name: f"{ns}:plan-{name}" for name in ("list", "detail", "create", "edit", "agree", "export")}


class _PlanPage(ScopedPageMixin):
    queryset = PLAN_QUERYSET

    def get_context_data(self, **kwargs):
        ns = _ns(self.request)
        return super().get_context_data(ns=ns, urls=_urls(ns), is_manager_portal=ns == "manage", **kwargs)


# --- the list ------------------------------------------------------------------------------------------------


class PlanListView(ListPageMixin, _PlanPage, TemplateView):
    template_name = "performance/plans/list.html"
    partial_template = "performance/plans/_table.html"
    permission_required = "business_plan.view"

    def get_context_data(self, **kwargs):
        result = plans.business_plan_list(actor=self.request.user, params=self.request.GET)
        context = self.list_context(result)
        rows = list(context["page"].object_list)
        progress = plans.plans_progress(rows, timezone.localdate())
        for plan in rows:
            plan.period_label = Period(plan.period_kind, plan.period_start, plan.period_end).label
        context["rows"] = [
            (plan, progress.get(plan.pk, []), sum(1 for o in progress.get(plan.pk, []) if o.at_risk)) for plan in rows
        ]
        return super().get_context_data(**context, statuses=PlanStatus.choices, kinds=_KINDS, **kwargs)


_KINDS = [(QUARTER, "Quarter"), (MONTH, "Month")]


class PlanExportView(ScopedPageMixin, View):
    """The filtered list as CSV, one line per objective with its progress today."""

    permission_required = "business_plan.view"
    columns = [
        "plan_id", "partner", "period_kind", "period_start", "period_end", "title", "status", "partner_agreed_at",
        "manager_agreed_at", "kpi", "target", "value", "percent", "expected_by_today", "at_risk", "progress",
    ]  # fmt: skip
    chunk = 500

    def get(self, request, *args, **kwargs):
        queryset = plans.business_plan_list(actor=request.user, params=request.GET).queryset
        return csv_response("business-plans", self.columns, self._rows(queryset))

    def _rows(self, queryset):
        today = timezone.localdate()
        batch: list[BusinessPlan] = []
        for plan in queryset.iterator(chunk_size=self.chunk):
            batch.append(plan)
            if len(batch) == self.chunk:
                yield from self._lines(batch, today)
                batch = []
        yield from self._lines(batch, today)

    @staticmethod
    def _lines(batch, today):
        progress = plans.plans_progress(batch, today)
        for plan in batch:
            head = [
                plan.pk,
                plan.partner.name,
                plan.period_kind,
                plan.period_start.isoformat(),
                plan.period_end.isoformat(),
                plan.title,
                plan.status,
                plan.partner_agreed_at.isoformat() if plan.partner_agreed_at else "",
                plan.manager_agreed_at.isoformat() if plan.manager_agreed_at else "",
            ]
            objectives = progress.get(plan.pk) or []
            if not objectives:
                yield [*head, "", "", "", "", "", "", ""]
            for o in objectives:
                yield [*head, o.kpi, o.target, o.value, o.percent, o.expected, "yes" if o.at_risk else "no", o.text]


# --- one plan ------------------------------------------------------------------------------------------------


class PlanDetailView(_PlanPage, TemplateView):
    template_name = "performance/plans/detail.html"
    permission_required = "business_plan.view"
    object_view = True

    def get_context_data(self, **kwargs):
        plan = self.object
        user = self.request.user
        side = plans.agreement_side(user)
        agreed_on_my_side = plan.manager_agreed_at if side == "manager" else plan.partner_agreed_at
        progress = plans.plan_progress(plan, timezone.localdate())
        period = Period(plan.period_kind, plan.period_start, plan.period_end)
        plan.period_label = period.label
        return super().get_context_data(
            plan=plan,
            period=period,
            period_elapsed=(period.elapsed_fraction(timezone.localdate()) * 100).quantize(Decimal(1)),
            progress=progress,
            at_risk=sum(1 for o in progress if o.at_risk),
            scorecard=plans.plan_scorecard(plan),
            can_manage=has_perm(user, "business_plan.manage"),
            can_agree=has_perm(user, "business_plan.manage") and agreed_on_my_side is None and bool(progress),
            side=side,
            history=audit.history_for(plan, related=plan.objectives.all(), limit=30)
            if has_perm(user, "audit.view")
            else [],
            **kwargs,
        )


class PlanAgreeView(ActionPageView):
    permission_required = "business_plan.manage"
    queryset = PLAN_QUERYSET

    def perform(self, data):
        plan = plans.business_plan_agree(actor=self.request.user, plan=self.object)
        if plan.status == PlanStatus.AGREED:
            return "Both sides have agreed: the plan is agreed."
        other = "the partner" if plans.agreement_side(self.request.user) == "manager" else "your partner manager"
        return f"You agreed to the plan; it is agreed once {other} agrees too."

    def get_success_url(self):
        return reverse(f"{_ns(self.request)}:plan-detail", args=[self.object.pk])


# --- the form ------------------------------------------------------------------------------------------------


class PlanForm(StyledForm):
    """The plan's fields and OBJECTIVE_ROWS objective rows (kpi_N, target_N, description_N); empty rows are
    ignored. `partner` only on the manager's new plan, the period only on a new plan."""

    partner = forms.ModelChoiceField(queryset=Partner.objects.none(), widget=LargeSelect)
    period_kind = forms.ChoiceField(choices=_KINDS, label="Period")
    period_start = forms.DateField(
        widget=DateInput(), label="Starting on", help_text="The first day of the month or quarter."
    )
    title = forms.CharField(max_length=200)
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text="What both sides commit to: campaigns, enablement, support.",
    )

    def __init__(
        self, *args, with_partner: bool = False, with_period: bool = True, rows: int = OBJECTIVE_ROWS, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.rows = rows
        if with_partner:
            user = self.request.user if self.request else None
            self.fields["partner"].queryset = partner_choices(actor=user)
        else:
            del self.fields["partner"]
        if not with_period:
            del self.fields["period_kind"], self.fields["period_start"]
        self.plan_fields = list(self.fields)
        for row in range(rows):
            self.fields[f"kpi_{row}"] = forms.ChoiceField(
                choices=[("", "—")] + plans.PLAN_KPI_CHOICES, required=False, label="KPI"
            )
            # a text field: the API's serializer says what is wrong with a target, once
            self.fields[f"target_{row}"] = forms.CharField(
                required=False, label="Target", widget=forms.NumberInput(attrs={"step": "any", "min": "0"})
            )
            self.fields[f"description_{row}"] = forms.CharField(max_length=300, required=False, label="In words")
            self.fields[f"kpi_{row}"].widget.attrs["class"] = "form-select form-select-sm"
            for name in (f"target_{row}", f"description_{row}"):
                self.fields[name].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["title"].widget.attrs["placeholder"] = "e.g. Grow the mid-market in Q3"

    def plan_field_list(self):
        return [self[name] for name in self.plan_fields]

    def objective_rows(self):
        return [(self[f"kpi_{row}"], self[f"target_{row}"], self[f"description_{row}"]) for row in range(self.rows)]


def objective_rows_from(post, count: int) -> tuple[list[dict[str, str]], list[int]]:
    """The filled-in objective rows of a POST as the API's objectives, and the form row each came from."""
    objectives, rows = [], []
    for row in range(count):
        values = {key: (post.get(f"{key}_{row}") or "").strip() for key in ("kpi", "target", "description")}
        if not any(values.values()):
            continue
        objectives.append(values)
        rows.append(row)
    return objectives, rows


class _PlanFormView(_PlanPage, TemplateView):
    """Validate the POST with the API's serializer, write with the API's services; an objective row's error is
    shown on that row."""

    template_name = "performance/plans/form.html"
    permission_required = "business_plan.manage"

    def form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_initial(self) -> dict[str, Any]:
        return {}

    def get_form(self, data=None) -> PlanForm:
        return PlanForm(data=data, initial=self.get_initial(), request=self.request, **self.form_kwargs())

    def get_context_data(self, **kwargs):
        return super().get_context_data(currency=settings.PRM_PROGRAM_CURRENCY, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        form = self.get_form(data=request.POST)
        form.is_valid()  # the form's own checks only shape what it shows; the serializer decides
        objectives, rows = objective_rows_from(request.POST, form.rows)
        data = {name: request.POST[name] for name in form.plan_fields if name in request.POST}
        data["objectives"] = objectives
        instance = getattr(self, "object", None)
        serializer = BusinessPlanSerializer(
            instance=instance, data=data, partial=instance is not None, context={"request": request}
        )
        try:
            serializer.is_valid(raise_exception=True)
            plan = self.perform(serializer.validated_data)
        except PAGE_ERRORS as exc:
            _add_errors(form, exc, rows)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(request, self.success_message)
        return HttpResponseRedirect(reverse(f"{_ns(request)}:plan-detail", args=[plan.pk]))


def _add_errors(form: PlanForm, exc, rows: list[int]) -> None:
    """Errors of one objective on its row; everything else as the pages show any serializer error."""
    if isinstance(exc, DrfValidationError) and isinstance(exc.detail, dict):
        detail = dict(exc.detail)
        nested = detail.get("objectives")
        # DRF gives a list's errors by index: {1: {"target": [...]}} (older versions: a list with {} for valid rows)
        by_index = dict(enumerate(nested)) if isinstance(nested, list) else nested
        if isinstance(by_index, dict) and by_index and all(isinstance(item, dict) for item in by_index.values()):
            for index, item in by_index.items():
                row = rows[index] if isinstance(index, int) and 0 <= index < len(rows) else None
                for field, errors in item.items():
                    name = f"{field}_{row}" if row is not None else None
                    for error in errors if isinstance(errors, list) else [errors]:
                        number = (row if row is not None else index) + 1
                        form.add_error(name if name in form.fields else None, f"Objective {number}: {error}")
            del detail["objectives"]
            if not detail:
                return
            exc = DrfValidationError(detail)
    add_form_errors(form, exc)


class PlanCreateView(_PlanFormView):
    success_message = "Plan created as a draft: both sides agree to it on its page."

    def form_kwargs(self):
        return {"with_partner": self.request.resolver_match.namespace == "manage"}

    def get_initial(self):
        quarter = Period.containing(QUARTER, timezone.localdate())
        initial: dict[str, Any] = {"period_kind": QUARTER, "period_start": quarter.start}
        if self.request.GET.get("partner", "").isdigit():
            initial["partner"] = int(self.request.GET["partner"])
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(title="New business plan", **kwargs)

    def perform(self, validated):
        data, objectives = plan_data(validated)
        partner = validated.get("partner") or self.request.user.partner
        return plans.business_plan_create(
            actor=self.request.user, partner=partner, data=data, objectives=objectives or []
        )


class PlanEditView(_PlanFormView):
    object_view = True
    success_message = "Plan saved."

    def form_kwargs(self):
        # every objective the plan has gets its row (a row left out would be removed on save), and room for more
        return {"with_period": False, "rows": max(OBJECTIVE_ROWS, len(self.object.objectives.all()) + 2)}

    def get_initial(self):
        plan = self.object
        initial: dict[str, Any] = {"title": plan.title, "notes": plan.notes}
        for row, objective in enumerate(plan.objectives.all()):
            initial[f"kpi_{row}"] = objective.kpi
            initial[f"target_{row}"] = plain_decimal(objective.target)
            initial[f"description_{row}"] = objective.description
        return initial

    def get_context_data(self, **kwargs):
        plan = self.object
        plan.period_label = Period(plan.period_kind, plan.period_start, plan.period_end).label
        return super().get_context_data(title=f"Edit “{plan.title}”", plan=plan, **kwargs)

    def perform(self, validated):
        data, objectives = plan_data(validated)
        return plans.business_plan_update(
            actor=self.request.user, plan=self.object, data=data, objectives=objectives or []
        )


def _routes() -> list:
    return [
        path("business-plans/", PlanListView.as_view(), name="plan-list"),
        path("business-plans/new/", PlanCreateView.as_view(), name="plan-create"),
        path("business-plans/<int:pk>/", PlanDetailView.as_view(), name="plan-detail"),
        path("business-plans/<int:pk>/edit/", PlanEditView.as_view(), name="plan-edit"),
        path("business-plans/<int:pk>/agree/", PlanAgreeView.as_view(), name="plan-agree"),
    ]


manager_urlpatterns = [
    *_routes(),
    path("business-plans/export.csv", PlanExportView.as_view(), name="plan-export"),
]
portal_urlpatterns = _routes()
