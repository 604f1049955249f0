"""Incentive program pages. Manager: the programs list (filters, sort, pages), a program (its rule in words, its
audience, the budget used against the cap, its totals by status and its latest lines, the Recompute button), the
program form (only the chosen kind's fields; validated by the API's serializer, written by the API's services),
the accrual lines (filters, sort, pages, CSV following the filters) and finance's "Add adjustment". Portal: the
programs the partner is eligible for, each rule in words (no budget figures)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import TemplateView, View

from partners.models import Tier
from prm import audit
from prm.exports import csv_response
from prm.money import plain_decimal
from prm.pages import (
    PAGE_ERRORS,
    ActionPageView,
    ListPageMixin,
    PortalPageMixin,
    PostOnlyMixin,
    ScopedPageMixin,
    add_form_errors,
)
from prm.permissions import has_perm

from . import program_selectors as selectors
from . import program_services as services
from .models import Accrual, AccrualKind, AccrualStatus, IncentiveProgram, ProgramKind
from .program_api import AccrualAdjustSerializer, IncentiveProgramSerializer
from .program_forms import AdjustmentForm, ProgramForm, program_initial

PROGRAM_QUERYSET = IncentiveProgram.objects.prefetch_related("audience_tiers")
#: Lines shown on a program's page (the rest in the accruals list, filtered by the program).
PROGRAM_LINES = 20


def _decorate(program: IncentiveProgram) -> IncentiveProgram:
    program.rule_text = services.program_rule_text(program)
    program.remaining = services.remaining_budget(program)
    if program.budget_cap:
        program.used_percent = min(Decimal(100), program.committed * 100 / program.budget_cap).quantize(Decimal(1))
    else:
        program.used_percent = None
    return program


def _audience_text(program: IncentiveProgram) -> list[str]:
    parts = []
    tiers = [t.name for t in program.audience_tiers.all()]
    if tiers:
        parts.append("Tiers: " + ", ".join(tiers))
    if program.partner_type_list:
        parts.append("Types: " + ", ".join(t.replace("_", " ") for t in program.partner_type_list))
    if program.country_list:
        parts.append("Countries: " + ", ".join(program.country_list))
    return parts or ["Every partner"]


# --- programs ------------------------------------------------------------------------------------------------


class ProgramListView(ListPageMixin, ScopedPageMixin, TemplateView):
    template_name = "incentives/programs/list.html"
    partial_template = "incentives/programs/_table.html"
    permission_required = "incentive_program.view"

    def get_context_data(self, **kwargs):
        result = selectors.program_list(actor=self.request.user, params=self.request.GET)
        context = self.list_context(result)
        rows = [_decorate(p) for p in context["page"].object_list]
        for program in rows:
            program.audience = _audience_text(program)
        return super().get_context_data(
            **context,
            rows=rows,
            kinds=ProgramKind.choices,
            tiers=Tier.objects.order_by("rank"),
            currency=settings.PRM_PROGRAM_CURRENCY,
            **kwargs,
        )


class ProgramDetailView(ScopedPageMixin, TemplateView):
    template_name = "incentives/programs/detail.html"
    permission_required = "incentive_program.view"
    queryset = PROGRAM_QUERYSET
    object_view = True

    def get_context_data(self, **kwargs):
        program = _decorate(self.object)
        user = self.request.user
        lines = list(
            Accrual.objects.filter(program=program)
            .select_related("partner", "deal")
            .order_by("-created_at", "-id")[:PROGRAM_LINES]
        )
        return super().get_context_data(
            program=program,
            audience=_audience_text(program),
            totals=selectors.program_totals(program),
            capped=selectors.capped_total(program),
            lines=lines,
            more_lines=len(lines) == PROGRAM_LINES,
            currency=settings.PRM_PROGRAM_CURRENCY,
            can_manage=has_perm(user, "incentive_program.manage"),
            can_recompute=has_perm(user, "accrual.recompute") and program.kind != ProgramKind.VOLUME_BONUS,
            history=audit.history_for(program, limit=20) if has_perm(user, "audit.view") else [],
            **kwargs,
        )


class ProgramRecomputeView(PostOnlyMixin, ActionPageView):
    permission_required = "accrual.recompute"
    queryset = IncentiveProgram.objects.all()
    error_prefix = "Not started: "

    def perform(self, data):
        services.program_recompute_start(actor=self.request.user, program=self.object)
        return (
            "Recomputation started: lines for past won deals appear below as they are made "
            "(running it again makes none twice)."
        )

    def get_success_url(self):
        return reverse("manage:program-detail", args=[self.object.pk])


class _ProgramFormView(ScopedPageMixin, TemplateView):
    """Validate the POST with the API's serializer, write with the API's services; errors under their fields."""

    template_name = "incentives/programs/form.html"
    permission_required = "incentive_program.manage"
    queryset = PROGRAM_QUERYSET

    def kind(self) -> str:
        raise NotImplementedError

    def get_initial(self) -> dict[str, Any]:
        return {}

    def get_form(self, data=None) -> ProgramForm:
        return ProgramForm(data=data, initial=self.get_initial(), kind=self.kind(), request=self.request)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            kind=self.kind(),
            kind_label=ProgramKind(self.kind()).label,
            kinds=ProgramKind.choices,
            currency=settings.PRM_PROGRAM_CURRENCY,
            **kwargs,
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        form = self.get_form(data=request.POST)
        form.is_valid()  # the form only shapes what it shows; the serializer and the service decide
        instance = getattr(self, "object", None)
        serializer = IncentiveProgramSerializer(
            instance=instance, data=form.api_data(request.POST), context={"request": request}
        )
        try:
            serializer.is_valid(raise_exception=True)
            program = self.perform(serializer.validated_data)
        except PAGE_ERRORS as exc:
            add_form_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(request, self.success_message.format(name=program.name))
        return HttpResponseRedirect(reverse("manage:program-detail", args=[program.pk]))


class ProgramCreateView(_ProgramFormView):
    success_message = "Program “{name}” created. Recompute it to apply it to deals already won."

    def kind(self) -> str:
        value = self.request.POST.get("kind") or self.request.GET.get("kind")
        return value if value in ProgramKind.values else ProgramKind.REBATE

    def get_initial(self):
        return {"starts_on": timezone.localdate(), "is_active": True}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=f"New {ProgramKind(self.kind()).label.lower()} program", **kwargs)

    def perform(self, validated):
        return services.program_create(actor=self.request.user, data=validated)


class ProgramEditView(_ProgramFormView):
    object_view = True
    success_message = "Program “{name}” saved."

    def kind(self) -> str:
        return self.object.kind

    def get_initial(self):
        return program_initial(self.object)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=f"Edit “{self.object.name}”", program=self.object, **kwargs)

    def perform(self, validated):
        return services.program_update(actor=self.request.user, program=self.object, data=validated)


# --- accrual lines -------------------------------------------------------------------------------------------


class AccrualListView(ListPageMixin, ScopedPageMixin, TemplateView):
    template_name = "incentives/programs/accruals.html"
    partial_template = "incentives/programs/_accruals_table.html"
    permission_required = "accrual.view"

    def get_context_data(self, **kwargs):
        result = selectors.accrual_list(actor=self.request.user, params=self.request.GET)
        context = self.list_context(result)
        return super().get_context_data(
            **context,
            rows=list(context["page"].object_list),
            statuses=AccrualStatus.choices,
            line_kinds=AccrualKind.choices,
            programs=IncentiveProgram.objects.order_by("name").only("id", "name"),
            selected_status=self.request.GET.getlist("status"),
            selected_kind=self.request.GET.getlist("kind"),
            **kwargs,
        )


class AccrualExportView(ScopedPageMixin, View):
    """The filtered lines as CSV, in the list's order."""

    permission_required = "accrual.view"
    columns = [
        "id", "created_at", "partner_id", "partner", "program_id", "program", "deal_id", "deal", "kind", "status",
        "amount", "currency", "base_amount", "base_currency", "exchange_rate", "capped_amount", "statement_id",
        "reverses_id", "explanation",
    ]  # fmt: skip

    def get(self, request, *args, **kwargs):
        queryset = selectors.accrual_list(actor=request.user, params=request.GET).queryset
        return csv_response("accruals", self.columns, self._rows(queryset))

    @staticmethod
    def _rows(queryset):
        for line in queryset.iterator(chunk_size=1000):
            yield [
                line.pk,
                line.created_at.isoformat(),
                line.partner_id,
                line.partner.name,
                line.program_id or "",
                line.program.name if line.program_id else "",
                line.deal_id or "",
                str(line.deal) if line.deal_id else "",
                line.kind,
                line.status,
                line.amount,
                line.currency,
                "" if line.base_amount is None else line.base_amount,
                line.base_currency,
                "" if line.exchange_rate is None else plain_decimal(line.exchange_rate),
                line.capped_amount,
                line.statement_id or "",
                line.reverses_id or "",
                line.explanation,
            ]


class AdjustmentCreateView(ScopedPageMixin, TemplateView):
    template_name = "incentives/programs/adjust.html"
    permission_required = "accrual.adjust"

    def get_form(self, data=None) -> AdjustmentForm:
        initial = {}
        if self.request.GET.get("partner", "").isdigit():
            initial["partner"] = int(self.request.GET["partner"])
        return AdjustmentForm(data=data, initial=initial, request=self.request)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(
            self.get_context_data(form=self.get_form(), currency=settings.PRM_PROGRAM_CURRENCY)
        )

    def post(self, request, *args, **kwargs):
        form = self.get_form(data=request.POST)
        form.is_valid()
        serializer = AccrualAdjustSerializer(data=request.POST, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
            line = services.accrual_adjust(actor=request.user, **serializer.validated_data)
        except PAGE_ERRORS as exc:
            add_form_errors(form, exc)
            return self.render_to_response(
                self.get_context_data(form=form, currency=settings.PRM_PROGRAM_CURRENCY), status=400
            )
        messages.success(
            request,
            f"Adjustment of {services.fmt(line.amount)} {line.currency} added for {line.partner.name}: "
            "it goes on the partner's next statement.",
        )
        return HttpResponseRedirect(reverse("manage:accrual-list") + f"?partner={line.partner_id}")


# --- the partner's programs ----------------------------------------------------------------------------------


class PortalProgramListView(PortalPageMixin, TemplateView):
    template_name = "incentives/programs/portal_list.html"
    permission_required = "incentive_program.view"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        result = selectors.program_list(actor=self.request.user, params={"active": "true"}, sort="name")
        current, upcoming = [], []
        for program in result.queryset:
            if program.ends_on is not None and program.ends_on < today:
                continue
            program.rule_text = services.program_rule_text(program)
            (upcoming if program.starts_on > today else current).append(program)
        return super().get_context_data(current=current, upcoming=upcoming, **kwargs)


manager_urlpatterns = [
    path("incentives/", ProgramListView.as_view(), name="incentives"),
    path("incentives/programs/new/", ProgramCreateView.as_view(), name="program-create"),
    path("incentives/programs/<int:pk>/", ProgramDetailView.as_view(), name="program-detail"),
    path("incentives/programs/<int:pk>/edit/", ProgramEditView.as_view(), name="program-edit"),
    path("incentives/programs/<int:pk>/recompute/", ProgramRecomputeView.as_view(), name="program-recompute"),
    path("incentives/accruals/", AccrualListView.as_view(), name="accrual-list"),
    path("incentives/accruals/export.csv", AccrualExportView.as_view(), name="accrual-export"),
    path("incentives/accruals/adjust/", AdjustmentCreateView.as_view(), name="accrual-adjust"),
]
portal_urlpatterns = [
    path("incentives/programs/", PortalProgramListView.as_view(), name="program-list"),
]
