"""Manager pages of the scorecards: every partner's scorecard for a period (filters, sort, CSV), the tier proposals
to accept or dismiss, and the program admin's scoring settings with an on-demand recalculation and its progress.

Thin, like deals/views.py: the engine and the services compute and write; these pages filter, show and post. The
list's filterset lives here (not in performance/filters.py, which serves the API's history endpoint): the page
filters by what a manager knows a partner by (tier, type, country, manager), the API by ids and periods."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation

import django_filters
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, NullIf
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import TemplateView, View
from django_countries import countries

from partners.models import PartnerType, Tier
from prm.exports import csv_response
from prm.filters import FilterSet, ListResult, Sorts, list_rows, staff_users
from prm.pages import PAGE_ERRORS, ActionPageView, ListPageMixin, ScopedPageMixin, error_items

from . import engine, services
from .forms import TARGET_PREFIX, WEIGHT_PREFIX, ProposalDecisionForm, ScoringSettingsForm, scoring_initial
from .kpis import KPIS
from .models import ChurnRisk, HealthStatus, PerformanceSettings, PeriodKind, RecalcJob, Scorecard, TierProposal
from .periods import QUARTER, TTM, Period
from .proposals import tier_proposal_accept, tier_proposal_dismiss

# Plain (code, name) tuples, as in deals/filters.py: cheap to deep-copy per request.
_COUNTRY_CHOICES = [(code, str(name)) for code, name in countries]


def _unchanged(queryset, name, value):
    """The period filters choose which period the list shows (scorecard_list); they filter nothing themselves."""
    return queryset


# --- the scorecard list --------------------------------------------------------------------------------------


class ScorecardListFilterSet(FilterSet):
    # distinct=False: every filter is a column of the scorecard or of its partner (forward keys): no row repeats
    search = django_filters.CharFilter(field_name="partner__name", lookup_expr="icontains", label="Partner")
    period = django_filters.ChoiceFilter(choices=PeriodKind.choices, method=_unchanged)
    period_start = django_filters.DateFilter(method=_unchanged, label="Period of")
    tier = django_filters.ModelMultipleChoiceFilter(
        field_name="partner__tier", queryset=Tier.objects.all(), distinct=False
    )
    health_status = django_filters.MultipleChoiceFilter(choices=HealthStatus.choices, distinct=False, label="Health")
    churn_risk = django_filters.MultipleChoiceFilter(choices=ChurnRisk.choices, distinct=False)
    partner_type = django_filters.MultipleChoiceFilter(
        field_name="partner__partner_type", choices=PartnerType.choices, distinct=False, label="Type"
    )
    country = django_filters.MultipleChoiceFilter(
        field_name="partner__country", choices=_COUNTRY_CHOICES, distinct=False
    )
    manager = django_filters.ModelChoiceFilter(field_name="partner__manager", queryset=staff_users())

    class Meta:
        model = Scorecard
        fields = [
            "search",
            "period",
            "period_start",
            "tier",
            "health_status",
            "churn_risk",
            "partner_type",
            "country",
            "manager",
        ]


def _score_change():
    # NullIf: SQLite's text of a JSON null is "null" (PostgreSQL's is NULL), and "null" cast to a number is 0
    return Cast(
        NullIf(KT("trend__score_change"), Value("null")), output_field=DecimalField(max_digits=7, decimal_places=2)
    )


SCORECARD_SORTS = Sorts(
    orders={
        "score": ("score", "id"),
        "revenue": ("revenue_won", "id"),
        "pipeline": ("open_pipeline", "id"),
        # a first scorecard has no change: last either way
        "change": (_score_change().asc(nulls_last=True), "id"),
        "-change": (_score_change().desc(nulls_last=True), "-id"),
        "partner": ("partner__name", "id"),
    },
    default="-score",
)


def scorecard_period(params, today: date) -> Period:
    """The period the list shows: `?period=` (default the quarter) containing `?period_start=` (default today). A
    trailing-twelve-months period is keyed by its first month. Raises ValueError for a day no period holds."""
    params = params or {}
    kind = params.get("period") or QUARTER
    start = params.get("period_start")
    if not start:
        return Period.containing(kind, today)
    start = start if isinstance(start, date) else date.fromisoformat(str(start))
    if kind == TTM:
        return Period.starting(TTM, start.replace(day=1))
    return Period.containing(kind, start)


def scorecard_list(*, actor, params, today: date | None = None) -> tuple[ListResult, Period]:
    """Every visible partner's scorecard of one period, filtered and sorted: the list page and its CSV."""
    today = today or timezone.localdate()
    result = list_rows(
        actor=actor,
        queryset=Scorecard.objects.select_related("partner__tier", "partner__manager", "recommended_tier"),
        filterset_class=ScorecardListFilterSet,
        params=params,
        sorts=SCORECARD_SORTS,
    )
    cleaned = result.filterset.form.cleaned_data if not result.errors else {}
    try:
        period = scorecard_period(cleaned, today)
    except (ValueError, OverflowError):
        period = Period.containing(QUARTER, today)
        errors = {**result.errors, "period_start": ["No period of this kind starts there."]}
        return replace(result, queryset=result.queryset.none(), errors=errors), period
    queryset = result.queryset.filter(period_kind=period.kind, period_start=period.start)
    return replace(result, queryset=queryset), period


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _neighbour(period: Period, steps: int) -> Period | None:
    try:
        return period.shifted(steps)
    except (ValueError, OverflowError):
        return None


def _with(params, **changes) -> str:
    query = params.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value:
            query[key] = value
    query.pop("page", None)
    return query.urlencode()


class ScorecardListView(ListPageMixin, ScopedPageMixin, TemplateView):
    """The scorecards of every partner for one period; the total is exact (one row per partner, 10,000 at most)."""

    template_name = "performance/scorecards/list.html"
    partial_template = "performance/scorecards/_table.html"
    permission_required = "scorecard.view"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        result, period = scorecard_list(actor=self.request.user, params=self.request.GET, today=today)
        context = self.list_context(result)
        page = context["page"]
        page.object_list = list(page.object_list)
        for card in page.object_list:
            card.score_change = _decimal(card.trend.get("score_change"))
            card.tier_differs = card.partner.tier_id != card.recommended_tier_id
        params = self.request.GET.copy()
        previous, following = _neighbour(period, -1), _neighbour(period, 1)
        kinds = [
            (value, label, _with(params, period=value if value != QUARTER else "", period_start=""))
            for value, label in PeriodKind.choices
        ]
        return super().get_context_data(
            **context,
            period=period,
            period_kinds=kinds,
            previous_query=_with(params, period_start=previous.start.isoformat()) if previous else None,
            next_query=(
                _with(params, period_start=following.start.isoformat())
                if following and following.start <= today
                else None
            ),
            current_query=_with(params, period_start="") if not period.is_open(today) else None,
            currency=settings.PRM_PROGRAM_CURRENCY,
            **kwargs,
        )


class ScorecardExportView(ScopedPageMixin, View):
    """The list as CSV with the same filters, period and sort: every KPI, the score and the health with its reasons."""

    permission_required = "scorecard.view"

    def get(self, request, *args, **kwargs):
        result, period = scorecard_list(actor=request.user, params=request.GET)
        header = [
            "partner_id", "partner", "tier", "recommended_tier", "period", "period_start", "period_end", "score",
            "score_change", "health_status", "churn_risk", "health_reasons", "compliance_flags", *KPIS,
        ]  # fmt: skip
        rows = (
            [
                s.partner_id,
                s.partner.name,
                s.partner.tier.name if s.partner.tier else "",
                s.recommended_tier.name if s.recommended_tier else "",
                s.period_kind,
                s.period_start.isoformat(),
                s.period_end.isoformat(),
                s.score,
                s.trend.get("score_change") or "",
                s.health_status,
                s.churn_risk,
                " | ".join(reason.get("text", "") for reason in s.health_reasons),
                " | ".join(flag.get("text", "") for flag in s.compliance_flags),
                *(s.kpis.get(key, "") for key in KPIS),
            ]
            for s in result.queryset.iterator(chunk_size=2000)
        )
        return csv_response(f"scorecards-{period.kind}-{period.start:%Y-%m-%d}", header, rows)


# --- tier proposals ------------------------------------------------------------------------------------------


class TierProposalListFilterSet(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=TierProposal._meta.get_field("status").choices)
    direction = django_filters.ChoiceFilter(choices=TierProposal._meta.get_field("direction").choices)
    tier = django_filters.ModelMultipleChoiceFilter(
        queryset=Tier.objects.all(), method="filter_tier", label="From or to tier"
    )

    class Meta:
        model = TierProposal
        fields = ["status", "direction", "tier"]

    def filter_tier(self, queryset, name, value):
        return queryset.filter(Q(from_tier__in=value) | Q(to_tier__in=value)) if value else queryset


def _open_first():
    return Case(When(status="open", then=Value(0)), default=Value(1))


PROPOSAL_SORTS = Sorts(
    orders={
        "open": (_open_first().asc(), "-created_at", "-id"),
        "newest": ("-created_at", "-id"),
        "partner": ("partner__name", "id"),
        "score": (F("partner_score").asc(nulls_first=True), "id"),
    },
    default="open",
)


def tier_proposal_list(*, actor, params, today: date | None = None) -> ListResult:
    """Proposals with the partner's score of the current quarter (one subquery, no query per row)."""
    quarter = Period.containing(QUARTER, today or timezone.localdate())
    score = Scorecard.objects.filter(
        partner_id=OuterRef("partner_id"), period_kind=QUARTER, period_start=quarter.start
    ).values("score")[:1]
    queryset = TierProposal.objects.select_related("partner__tier", "from_tier", "to_tier", "decided_by").annotate(
        partner_score=Subquery(score)
    )
    return list_rows(
        actor=actor,
        queryset=queryset,
        filterset_class=TierProposalListFilterSet,
        params=params,
        sorts=PROPOSAL_SORTS,
    )


class TierProposalListView(ListPageMixin, ScopedPageMixin, TemplateView):
    template_name = "performance/scorecards/proposals.html"
    partial_template = "performance/scorecards/_proposal_table.html"
    permission_required = "tier_proposal.view"

    def get_context_data(self, **kwargs):
        result = tier_proposal_list(actor=self.request.user, params=self.request.GET)
        return super().get_context_data(**self.list_context(result), **kwargs)


class TierProposalDecisionView(ActionPageView):
    """Accept or dismiss one proposal, with an optional note. A proposal decided meanwhile is a 409: a message."""

    model = TierProposal
    permission_required = "tier_proposal.decide"

    def note(self) -> str:
        form = ProposalDecisionForm(self.request.POST)
        if not form.is_valid():
            raise DjangoValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
        return form.cleaned_data["note"]

    def get_success_url(self) -> str:
        return reverse("manage:tier-proposal-list")


class TierProposalAcceptView(TierProposalDecisionView):
    error_prefix = "Not accepted: "

    def perform(self, data):
        proposal = tier_proposal_accept(actor=self.request.user, proposal=self.object, note=self.note())
        if proposal.to_tier is None:
            return f"Accepted: {proposal.partner.name} now has no tier."
        return f"Accepted: {proposal.partner.name} is now {proposal.to_tier.name}."


class TierProposalDismissView(TierProposalDecisionView):
    error_prefix = "Not dismissed: "

    def perform(self, data):
        proposal = tier_proposal_dismiss(actor=self.request.user, proposal=self.object, note=self.note())
        return f"Dismissed: {proposal.partner.name} keeps its tier."


# --- settings and recalculation ------------------------------------------------------------------------------


def _latest_job(request) -> RecalcJob | None:
    """The job named by `?job=` when it is a visible job, else the newest one."""
    from prm import tenancy

    jobs = tenancy.scope(RecalcJob.objects.all(), request.user)
    job_id = request.GET.get("job", "")
    if job_id.isdigit() and len(job_id) < 19:
        job = jobs.filter(pk=int(job_id)).first()
        if job is not None:
            return job
    return jobs.first()


class ScorecardSettingsView(ScopedPageMixin, TemplateView):
    """Each KPI's weight and target beside its definition, the program's two settings, and "Recalculate all now"."""

    template_name = "performance/scorecards/settings.html"
    permission_required = "scorecard.configure"

    def get_form(self, data=None):
        initial = scoring_initial(engine.scoring_rules(), PerformanceSettings.load())
        return ScoringSettingsForm(data=data, initial=initial, request=self.request)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.get_form())
        return super().get_context_data(job=_latest_job(self.request), **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form(data=request.POST)
        if form.is_valid():
            current = engine.scoring_rules()
            changed = {
                key: values
                for key, values in form.rules().items()
                if (values["weight"], values["target"]) != current.get(key)
            }
            try:
                with transaction.atomic():
                    if changed:
                        services.scoring_rules_set(actor=request.user, rules=changed)
                    services.performance_settings_update(actor=request.user, data=form.settings_data())
            except PAGE_ERRORS as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, "Scoring saved. Scores follow at the next recalculation.")
                return HttpResponseRedirect(reverse("manage:scorecard-settings"))
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _add_service_errors(form: ScoringSettingsForm, exc) -> None:
    """A service's error on the form, in words and once: "rules" is about the whole form; a KPI's key names the
    KPI's weight field; a settings field its own field."""
    for field, text in error_items(exc):
        if field in KPIS:
            target = WEIGHT_PREFIX + field if "weight" in text.lower() else TARGET_PREFIX + field
            if text not in form.errors.get(target, []):
                form.add_error(target, text)
        elif field in form.fields:
            if text not in form.errors.get(field, []):
                form.add_error(field, text)
        elif text not in form.non_field_errors():
            form.add_error(None, text)


class ScorecardRecalculateView(ActionPageView):
    """Start a full recalculation; the settings page then shows its progress."""

    object_view = False
    permission_required = "scorecard.recalculate"
    error_prefix = "Not started: "
    job: RecalcJob | None = None

    def perform(self, data):
        self.job = services.recalc_job_start(actor=self.request.user)
        return "Recalculation started."

    def get_success_url(self) -> str:
        url = reverse("manage:scorecard-settings")
        return f"{url}?job={self.job.pk}#recalculation" if self.job else url


class JobStatusView(ScopedPageMixin, TemplateView):
    """A job's state, progress and message: the partial the settings page polls every second until it ends."""

    template_name = "performance/scorecards/_job_status.html"
    permission_required = "job.view"
    model = RecalcJob
    object_view = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(job=self.object, **kwargs)


manager_urlpatterns = [
    path("performance/scorecards/", ScorecardListView.as_view(), name="scorecard-list"),
    path("performance/scorecards/export.csv", ScorecardExportView.as_view(), name="scorecard-export"),
    path("performance/tier-proposals/", TierProposalListView.as_view(), name="tier-proposal-list"),
    path("performance/tier-proposals/<int:pk>/accept/", TierProposalAcceptView.as_view(), name="tier-proposal-accept"),
    path(
        "performance/tier-proposals/<int:pk>/dismiss/",
        TierProposalDismissView.as_view(),
        name="tier-proposal-dismiss",
    ),
    path("performance/settings/", ScorecardSettingsView.as_view(), name="scorecard-settings"),
    path("performance/recalculate/", ScorecardRecalculateView.as_view(), name="scorecard-recalculate"),
    path("performance/jobs/<int:pk>/", JobStatusView.as_view(), name="job-status"),
]
