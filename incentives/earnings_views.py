"""The partner portal's "My earnings": totals by status, the money by program, the lines (filters, pagination) and
the calculator. Reads through incentives/earnings.py; the calculator posts to its own route and, under htmx, gets
only its card back."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, path, reverse
from django.views.generic import TemplateView

from partners.models import Partner
from prm import tenancy
from prm.money import rates_on
from prm.pages import ListPageMixin, PortalPageMixin

from .accruals import program_currency
from .earnings import CARD_STATUSES, calculate, earnings_summary
from .models import AccrualStatus


def _url_or_none(name: str) -> str | None:
    """A link to another part's page (statements, MDF): None until that page exists."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


class CalculatorForm(forms.Form):
    """Plain fields: calculate() validates and words every error, so the page and a job say the same thing."""

    amount = forms.CharField(max_length=40, label="Deal amount")
    currency = forms.CharField(max_length=10)
    products = forms.CharField(max_length=500, required=False, help_text="What the deal sells, e.g. SD-WAN.")


class EarningsView(ListPageMixin, PortalPageMixin, TemplateView):
    template_name = "incentives/earnings/page.html"
    partial_template = "incentives/earnings/_lines.html"
    permission_required = "accrual.view"
    page_size = 20

    def partner(self) -> Partner:
        user = self.request.user
        return tenancy.get_visible_or_404(Partner.objects.select_related("tier"), user, pk=user.partner_id)

    def get_context_data(self, **kwargs):
        partner = self.partner()
        summary = earnings_summary(actor=self.request.user, partner=partner, params=self.request.GET)
        own = program_currency()
        context = {
            **self.list_context(summary.lines),
            "summary": summary,
            "cards": [(status, AccrualStatus(status).label, summary.totals[status]) for status in CARD_STATUSES],
            "statuses": AccrualStatus.choices,
            "currencies": sorted(rates_on()),
            "currency": own,
            "form": CalculatorForm(initial={"currency": own}),
            "statement_list_url": _url_or_none("portal:statement-list"),
            "mdf_url": _url_or_none("portal:mdf"),
        }
        context.update(kwargs)  # the calculator's answer (form, calculation) when the page is posted to
        return super().get_context_data(**context)


class EarningsCalculateView(PortalPageMixin, TemplateView):
    """POST amount, currency, products: each program's amount and arithmetic and the total. Under htmx the answer is
    the calculator card alone (200 even for bad input, so htmx swaps it in with the form's words)."""

    permission_required = "incentive_program.view"
    template_name = "incentives/earnings/_calculator.html"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = CalculatorForm(request.POST)
        calculation = None
        if form.is_valid():
            user = request.user
            partner = tenancy.get_visible_or_404(Partner.objects.select_related("tier"), user, pk=user.partner_id)
            try:
                calculation = calculate(
                    actor=request.user,
                    partner=partner,
                    amount=form.cleaned_data["amount"],
                    currency=form.cleaned_data["currency"],
                    products=form.cleaned_data["products"],
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    for message in messages:
                        form.add_error(field if field in form.fields else None, message)
        context = {
            "form": form,
            "calculation": calculation,
            "currencies": sorted(rates_on()),
            "currency": program_currency(),
        }
        if request.htmx and not request.htmx.boosted:
            return self.response_class(
                request=request,
                template="incentives/earnings/_calculator.html",
                context=context,
                using=self.template_engine,
            )
        # without htmx: the whole page, its lists as they were, the calculator's answer in place
        page = EarningsView()
        page.setup(request, *args, **kwargs)
        status = 200 if calculation is not None else 400
        return page.render_to_response(page.get_context_data(**context), status=status)


portal_urlpatterns = [
    path("earnings/", EarningsView.as_view(), name="earnings"),
    path("earnings/calculate/", EarningsCalculateView.as_view(), name="earnings-calculate"),
]
