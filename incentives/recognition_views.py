"""Leaderboards (manager and partner portals: the same board) and granting a badge by hand (managers).

The board's filters are the metric and the period (kind and a day in it); a value it cannot use is said on the
page over the default board, never a 500."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import TemplateView

from partners.models import Partner
from partners.selectors import partner_choices
from performance.models import PeriodKind
from performance.periods import KINDS
from prm import tenancy
from prm.forms import LargeSelect
from prm.pages import PAGE_ERRORS, ScopedPageMixin, errors_as_messages
from prm.permissions import has_perm

from .accruals import program_currency
from .models import Badge
from .recognition import DEFAULT_METRIC, METRICS, award_grant, leaderboard

LIMIT = 20


class BoardFilterForm(forms.Form):
    metric = forms.ChoiceField(choices=list(METRICS.items()), required=False)
    period = forms.ChoiceField(choices=PeriodKind.choices, required=False)
    period_start = forms.DateField(required=False, label="Period of")


class GrantForm(forms.Form):
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.none(), widget=LargeSelect(attrs={"class": "form-select form-select-sm"})
    )
    badge = forms.ModelChoiceField(
        queryset=Badge.objects.none(), widget=forms.Select(attrs={"class": "form-select form-select-sm"})
    )
    reason = forms.CharField(
        max_length=300, required=False, widget=forms.TextInput(attrs={"class": "form-control form-control-sm"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partner_choices(actor=user)
        self.fields["badge"].queryset = tenancy.scope(Badge.objects.all(), user)


class LeaderboardView(ScopedPageMixin, TemplateView):
    """The top partners of a period by won revenue, growth, certifications or score."""

    template_name = "incentives/recognition/leaderboard.html"
    permission_required = "recognition.view"

    def get_context_data(self, **kwargs):
        user = self.request.user
        form = BoardFilterForm(self.request.GET or None)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        errors = [text for field_errors in form.errors.values() for text in field_errors] if form.is_bound else []
        metric = data.get("metric") or DEFAULT_METRIC
        try:
            board = leaderboard(
                actor=user, metric=metric, period_kind=data.get("period"), period_start=data.get("period_start"),
                limit=LIMIT,
            )  # fmt: skip
        except (ValueError, OverflowError):
            errors.append("No period of this kind starts there: showing the current one.")
            board = leaderboard(actor=user, metric=metric, period_kind=data.get("period"), limit=LIMIT)
        is_manager = has_perm(user, "portal.manager")
        grant_form = kwargs.pop("grant_form", None)
        if grant_form is None and is_manager and has_perm(user, "award.grant"):
            grant_form = GrantForm(user=user)
        return super().get_context_data(
            board=board,
            form=form,
            errors=errors,
            metrics=list(METRICS.items()),
            metric_label=METRICS[board.metric],
            kinds=[(k, label) for k, label in PeriodKind.choices if k in KINDS],
            currency=program_currency(),
            own_partner_id=getattr(user, "partner_id", None),
            is_manager_portal=is_manager,
            grant_form=grant_form,
            limit=LIMIT,
            today=timezone.localdate(),
            **kwargs,
        )


class AwardGrantView(ScopedPageMixin, TemplateView):
    """A manager grants a badge by hand; the form sits on the leaderboard page."""

    template_name = "incentives/recognition/leaderboard.html"
    permission_required = "award.grant"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = GrantForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                award = award_grant(
                    actor=request.user,
                    partner=form.cleaned_data["partner"],
                    badge=form.cleaned_data["badge"],
                    reason=form.cleaned_data["reason"],
                )
            except PAGE_ERRORS as exc:
                for text in errors_as_messages(exc):
                    form.add_error(None, text)
            else:
                messages.success(request, f"“{award.badge.name}” granted to {award.partner.name}.")
                query = request.GET.urlencode()  # the board as it was (metric, period)
                return HttpResponseRedirect(reverse("manage:leaderboard") + (f"?{query}" if query else ""))
        view = LeaderboardView()
        view.setup(request, *args, **kwargs)
        context = view.get_context_data(grant_form=form)
        return self.render_to_response(context, status=400)


manager_urlpatterns = [
    path("incentives/leaderboard/", LeaderboardView.as_view(), name="leaderboard"),
    path("incentives/leaderboard/grant/", AwardGrantView.as_view(), name="award-grant"),
]
portal_urlpatterns = [path("leaderboard/", LeaderboardView.as_view(), name="leaderboard")]
