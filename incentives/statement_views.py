"""Payout statement pages. Manager portal: the statements list (filters, sort, pages, the payment system's CSV),
finance's approval page (the drafts, with Approve buttons one by one or all ticked at once), "Close period", one
statement (its lines itemized with their arithmetic, Approve / Mark paid as the state map allows), its CSV and its
printable page. Partner portal: the organization's own statements, their detail, CSV and printable page."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.views.generic import TemplateView, View

from prm.exports import csv_response
from prm.pages import PAGE_ERRORS, ActionPageView, ListPageMixin, PostOnlyMixin, ScopedPageMixin, errors_as_messages
from prm.permissions import has_perm

from . import statements
from .models import AccrualKind, PayoutStatement, StatementStatus
from .statement_api import MarkPaidSerializer, PeriodSerializer
from .statement_forms import GenerateForm, MarkPaidForm

STATEMENT_QUERYSET = PayoutStatement.objects.select_related("partner", "approved_by", "paid_by")


def _ns(request) -> str:
    return request.resolver_match.namespace if request.resolver_match else "portal"


def _urls(ns: str) -> dict[str, str]:
    return {name: f"{ns}:statement-{name}" for name in ("list", "detail", "print", "csv")}


class _StatementPage(ScopedPageMixin):
    queryset = STATEMENT_QUERYSET
    permission_required = "payout.view"

    def get_context_data(self, **kwargs):
        ns = _ns(self.request)
        return super().get_context_data(ns=ns, urls=_urls(ns), is_manager_portal=ns == "manage", **kwargs)


# --- lists ---------------------------------------------------------------------------------------------------


class StatementListView(ListPageMixin, _StatementPage, TemplateView):
    template_name = "incentives/statements/list.html"
    partial_template = "incentives/statements/_table.html"
    #: finance's approval page: the drafts only, with Approve buttons
    approvals = False

    def params(self):
        params = self.request.GET.copy()
        if self.approvals:
            params["status"] = StatementStatus.DRAFT
        return params

    def get_context_data(self, **kwargs):
        user = self.request.user
        result = statements.statement_list(actor=user, params=self.params())
        context = self.list_context(result)
        return super().get_context_data(
            **context,
            statuses=StatementStatus.choices,
            approvals=self.approvals,
            can_approve=has_perm(user, "payout.approve"),
            can_generate=has_perm(user, "payout.generate"),
            can_export=has_perm(user, "payout.export"),
            generate_form=GenerateForm() if has_perm(user, "payout.generate") else None,
            **kwargs,
        )


class StatementApprovalsView(StatementListView):
    """The drafts waiting for finance; other staff see the same queue without the buttons."""

    template_name = "incentives/statements/approvals.html"
    partial_template = "incentives/statements/_table.html"
    approvals = True


class StatementExportView(ScopedPageMixin, View):
    """The payment system's file: the approved statements (or `?status=paid`), one row each."""

    permission_required = "payout.export"

    def get(self, request, *args, **kwargs):
        try:
            rows = statements.approved_export_rows(actor=request.user, params=request.GET)
        except PAGE_ERRORS as exc:
            for message in errors_as_messages(exc):
                messages.error(request, message)
            return HttpResponseRedirect(reverse("manage:statement-list"))
        return csv_response("payouts", statements.EXPORT_COLUMNS, rows)


# --- one statement -------------------------------------------------------------------------------------------


class StatementDetailView(_StatementPage, TemplateView):
    template_name = "incentives/statements/detail.html"
    object_view = True

    def get_context_data(self, **kwargs):
        statement = self.object
        user = self.request.user
        lines = list(statements.statement_lines(statement))
        allowed = statements.STATEMENT_STATES.allowed(statement.status)
        by_kind = {}
        for line in lines:
            by_kind.setdefault(line.kind, []).append(line.amount)
        subtotals = [
            (label, len(by_kind[kind]), sum(by_kind[kind])) for kind, label in AccrualKind.choices if kind in by_kind
        ]
        return super().get_context_data(
            statement=statement,
            lines=lines,
            subtotals=subtotals,
            lines_sum=sum((line.amount for line in lines), Decimal("0")),
            can_approve=StatementStatus.APPROVED in allowed and has_perm(user, "payout.approve"),
            can_mark_paid=StatementStatus.PAID in allowed and has_perm(user, "payout.mark_paid"),
            mark_paid_form=MarkPaidForm(),
            **kwargs,
        )


class StatementPrintView(StatementDetailView):
    template_name = "incentives/statements/print.html"


class StatementCsvView(_StatementPage, View):
    object_view = True

    def get(self, request, *args, **kwargs):
        statement = self.object
        return csv_response(f"statement-{statement.pk}", statements.LINE_COLUMNS, statements.line_rows(statement))


# --- decisions -----------------------------------------------------------------------------------------------


class _StatementAction(PostOnlyMixin, ActionPageView):
    queryset = STATEMENT_QUERYSET


class StatementApproveView(_StatementAction):
    permission_required = "payout.approve"
    error_prefix = "Not approved: "

    def perform(self, data):
        s = statements.statement_approve(actor=self.request.user, statement=self.object)
        return f"Statement of {s.partner.name} approved: {s.total:,.2f} {s.currency}."

    def get_success_url(self):
        back = self.request.POST.get("next")
        if back == "approvals":
            return reverse("manage:statement-approvals")
        return reverse("manage:statement-detail", args=[self.object.pk])


class StatementMarkPaidView(_StatementAction):
    permission_required = "payout.mark_paid"
    serializer_class = MarkPaidSerializer
    error_prefix = "Not marked paid: "

    def perform(self, data):
        s = statements.statement_mark_paid(actor=self.request.user, statement=self.object, **data)
        return f"Statement of {s.partner.name} marked paid: {s.total:,.2f} {s.currency}."

    def get_success_url(self):
        return reverse("manage:statement-detail", args=[self.object.pk])


class StatementBulkApproveView(PostOnlyMixin, ScopedPageMixin, View):
    """Approve the ticked drafts, each in its own transaction: one refused (approved meanwhile) stops no other."""

    permission_required = "payout.approve"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        ids = [int(v) for v in request.POST.getlist("statements") if v.isdigit() and len(v) < 19]
        chosen = list(statements.statement_list(actor=request.user, params={}).queryset.filter(pk__in=ids))
        if not chosen:
            messages.error(request, "Tick at least one statement, then approve.")
            return HttpResponseRedirect(reverse("manage:statement-approvals"))
        done = 0
        for statement in chosen:
            try:
                statements.statement_approve(actor=request.user, statement=statement)
            except PAGE_ERRORS as exc:
                for message in errors_as_messages(exc):
                    messages.error(request, f"{statement.partner.name}: {message}")
            else:
                done += 1
        if done:
            messages.success(request, f"{done} statement{'s' if done != 1 else ''} approved.")
        return HttpResponseRedirect(reverse("manage:statement-approvals"))


class StatementGenerateView(ActionPageView):
    """Close a period: one draft statement per partner with open lines."""

    permission_required = "payout.generate"
    object_view = False
    serializer_class = PeriodSerializer
    error_prefix = "Period not closed: "

    def perform(self, data):
        result = statements.statements_generate(actor=self.request.user, **data)
        if not result["lines"]:
            return "No open lines up to that day: nothing was added to any statement."
        made, took, lines = result["created"], result["statements"], result["lines"]
        return (
            f"Period closed: {lines} line{'s' if lines != 1 else ''} on {took} draft statement"
            f"{'s' if took != 1 else ''} ({made} new)."
        )

    def get_success_url(self):
        return reverse("manage:statement-approvals")


manager_urlpatterns = [
    path("incentives/statements/", StatementListView.as_view(), name="statement-list"),
    path("incentives/statements/approvals/", StatementApprovalsView.as_view(), name="statement-approvals"),
    path("incentives/statements/approvals/approve/", StatementBulkApproveView.as_view(), name="statement-bulk-approve"),
    path("incentives/statements/close/", StatementGenerateView.as_view(), name="statement-generate"),
    path("incentives/statements/export.csv", StatementExportView.as_view(), name="statement-export"),
    path("incentives/statements/<int:pk>/", StatementDetailView.as_view(), name="statement-detail"),
    path("incentives/statements/<int:pk>/print/", StatementPrintView.as_view(), name="statement-print"),
    path("incentives/statements/<int:pk>/statement.csv", StatementCsvView.as_view(), name="statement-csv"),
    path("incentives/statements/<int:pk>/approve/", StatementApproveView.as_view(), name="statement-approve"),
    path("incentives/statements/<int:pk>/mark-paid/", StatementMarkPaidView.as_view(), name="statement-mark-paid"),
]

portal_urlpatterns = [
    path("statements/", StatementListView.as_view(), name="statement-list"),
    path("statements/<int:pk>/", StatementDetailView.as_view(), name="statement-detail"),
    path("statements/<int:pk>/print/", StatementPrintView.as_view(), name="statement-print"),
    path("statements/<int:pk>/statement.csv", StatementCsvView.as_view(), name="statement-csv"),
]
