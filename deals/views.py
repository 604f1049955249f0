"""Deal and lead pages of the manager portal, and the deal pages both portals share (detail, actions,
comments, attachments). Thin: selectors read, services write, serializers validate."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.generic import TemplateView, View

from prm.exports import csv_response
from prm.pages import (
    PAGE_ERRORS,
    ActionPageView,
    ListPageMixin,
    ScopedPageMixin,
    SerializerFormMixin,
    errors_as_messages,
)

from . import lead_services, selectors, services
from .forms import LeadForm
from .models import Deal, DealAttachment, Lead
from .serializers import (
    BulkDecisionSerializer,
    CorrectionSerializer,
    LeadOfferSerializer,
    LeadSerializer,
    ReasonSerializer,
    WinSerializer,
)


def _namespace(request) -> str:
    return request.resolver_match.namespace if request.resolver_match else "portal"


# --- lists -------------------------------------------------------------------------------------------------


class DealListView(ListPageMixin, ScopedPageMixin, TemplateView):
    """Every registration in the program. The total is the planner's estimate on big lists (no COUNT(*)
    over a million rows per page); totals by currency are shown once the list is narrowed down."""

    template_name = "manager/deals/list.html"
    partial_template = "manager/deals/_table.html"
    permission_required = "portal.manager"

    def get_context_data(self, **kwargs):
        user = self.request.user
        result = selectors.deal_list(actor=user, params=self.request.GET)
        context = self.list_context(result, paginator_class=selectors.EstimatedCountPaginator)
        if context["count_exact"] and not result.errors:
            context["totals"] = selectors.totals(result.queryset)
        pending = selectors.approval_queue(user=user)
        return super().get_context_data(**context, pending_count=selectors.estimated_count(pending)[0], **kwargs)


class DealQueueView(ScopedPageMixin, TemplateView):
    """Submitted registrations, oldest first, with the SLA and each one's competing registrations."""

    template_name = "manager/deals/queue.html"
    permission_required = "deal.approve"
    page_size = 25

    def get_context_data(self, **kwargs):
        queue = selectors.approval_queue_rows(actor=self.request.user)
        page = selectors.EstimatedCountPaginator(queue, self.page_size).get_page(self.request.GET.get("page"))
        now = timezone.now()
        rows = [(deal, selectors.sla_for(deal, now=now)) for deal in page.object_list]
        return super().get_context_data(page=page, rows=rows, sla_days=selectors.SLA_BUSINESS_DAYS, query="", **kwargs)


class DealBulkView(ScopedPageMixin, View):
    permission_required = "deal.approve"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        serializer = BulkDecisionSerializer(
            data={
                "decision": request.POST.get("decision"),
                "deals": request.POST.getlist("deals"),
                "reason": request.POST.get("reason", ""),
            }
        )
        if not serializer.is_valid():
            messages.error(request, "Select at least one deal, then approve or reject.")
            return HttpResponseRedirect(reverse("manage:deal-queue"))
        data = serializer.validated_data
        deals = list(selectors.approval_queue(user=request.user).filter(pk__in=data["deals"]))
        try:
            refused = services.deals_bulk_decide(
                actor=request.user, deals=deals, decision=data["decision"], reason=data.get("reason", "")
            )
        except PAGE_ERRORS as exc:
            for message in errors_as_messages(exc):
                messages.error(request, message)
            return HttpResponseRedirect(reverse("manage:deal-queue"))
        done = len(deals) - len(refused)
        verb = "approved" if data["decision"] == "approve" else "rejected"
        if done:
            messages.success(request, f"{done} registration{'s' if done != 1 else ''} {verb}.")
        for deal, message in refused:
            messages.error(request, f"#{deal.pk} {deal.customer_name}: {message}")
        return HttpResponseRedirect(reverse("manage:deal-queue"))


class DealExportView(ScopedPageMixin, View):
    """The filtered list as CSV, streamed in chunks: a million rows cost no memory."""

    permission_required = "deal.export"
    columns = [
        "id", "partner", "tier", "customer_name", "customer_domain", "country", "status", "amount", "currency",
        "expected_close_date", "protected_until", "won_amount", "closed_on", "registered",
    ]  # fmt: skip

    def get(self, request, *args, **kwargs):
        queryset = selectors.deal_list(actor=request.user, params=request.GET).queryset
        rows = (
            [
                d.pk,
                d.partner.name,
                d.partner.tier.name if d.partner.tier else "",
                d.customer_name,
                d.customer_domain,
                d.country.code or "",
                d.status,
                d.amount,
                d.currency,
                d.expected_close_date.isoformat(),
                d.protected_until.isoformat() if d.protected_until else "",
                d.won_amount if d.won_amount is not None else "",
                d.closed_on.isoformat() if d.closed_on else "",
                timezone.localtime(d.created_at).date().isoformat(),
            ]
            for d in queryset.iterator(chunk_size=2000)
        )
        return csv_response("deals", self.columns, rows)


# --- one deal (both portals) -------------------------------------------------------------------------------


class DealDetailView(ScopedPageMixin, TemplateView):
    template_name = "manager/deals/detail.html"
    permission_required = "portal.manager"
    queryset = Deal.objects.select_related("partner__tier", "registered_by", "approved_by", "customer", "lead")
    object_view = True

    def get_context_data(self, **kwargs):
        detail = selectors.deal_detail(user=self.request.user, deal=self.object)
        return super().get_context_data(
            deal=self.object, ns=_namespace(self.request), today=timezone.localdate(), **detail, **kwargs
        )


class DealActionView(ActionPageView):
    """POST an action on one deal (approve, reject, win, lose, comment, attach), validated by the API's serializer
    and done by the API's service; back to the deal page of the portal it was posted from."""

    model = Deal
    anchor = ""

    def get_success_url(self):
        url = reverse(f"{_namespace(self.request)}:deal-detail", args=[self.object.pk])
        return f"{url}#{self.anchor}" if self.anchor else url


class DealApproveView(DealActionView):
    permission_required = "deal.approve"
    success_message = "Registration approved and protected."

    def perform(self, data):
        services.deal_approve(actor=self.request.user, deal=self.object)


class DealRejectView(DealActionView):
    permission_required = "deal.approve"
    serializer_class = ReasonSerializer
    success_message = "Registration rejected."

    def perform(self, data):
        services.deal_reject(actor=self.request.user, deal=self.object, reason=data["reason"])


class DealWinView(DealActionView):
    permission_required = "deal.close"
    serializer_class = WinSerializer
    success_message = "Deal marked as won. Congratulations!"

    def perform(self, data):
        services.deal_win(actor=self.request.user, deal=self.object, **data)


class DealLoseView(DealActionView):
    permission_required = "deal.close"
    serializer_class = ReasonSerializer
    success_message = "Deal marked as lost."

    def perform(self, data):
        services.deal_lose(actor=self.request.user, deal=self.object, reason=data["reason"])


class DealReopenView(DealActionView):
    permission_required = "deal.reopen"
    serializer_class = ReasonSerializer
    success_message = "Deal reopened: it is approved again and the partner can close it."

    def perform(self, data):
        services.deal_reopen(actor=self.request.user, deal=self.object, reason=data["reason"])


class DealCorrectView(DealActionView):
    permission_required = "deal.correct"
    serializer_class = CorrectionSerializer

    def perform(self, data):
        deal = services.deal_correct_won_amount(actor=self.request.user, deal=self.object, **data)
        return f"Won amount corrected to {deal.won_amount:,.2f} {deal.currency}."


class DealCommentView(DealActionView):
    permission_required = "deal.comment"
    success_message = "Comment added."
    anchor = "comments"

    def perform(self, data):
        services.deal_comment_add(actor=self.request.user, deal=self.object, body=self.request.POST.get("body", ""))


class DealAttachView(DealActionView):
    permission_required = "deal.comment"
    success_message = "File attached."
    anchor = "attachments"

    def perform(self, data):
        services.deal_attachment_add(actor=self.request.user, deal=self.object, file=self.request.FILES.get("file"))


class DealAttachmentDownloadView(ScopedPageMixin, View):
    """Hands out a deal's file only after tenancy found the attachment (another organization's is a 404)."""

    permission_required = "deal.view"
    queryset = DealAttachment.objects.select_related("deal")
    object_view = True

    def get(self, request, *args, **kwargs):
        from prm.uploads import serve_file

        return serve_file(self.object.file, download_name=self.object.name)


# --- leads (manager) ---------------------------------------------------------------------------------------


class LeadListView(ListPageMixin, ScopedPageMixin, TemplateView):
    template_name = "manager/deals/leads.html"
    partial_template = "manager/deals/leads.html"
    permission_required = "portal.manager"

    def get_template_names(self):
        return [self.template_name]

    def get_context_data(self, **kwargs):
        result = selectors.lead_list(actor=self.request.user, params=self.request.GET)
        return super().get_context_data(**self.list_context(result), **kwargs)


class LeadCreateView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = "manager/form.html"
    permission_required = "lead.manage"
    form_class = LeadForm
    serializer_class = LeadSerializer
    success_message = "Lead added to the pool."
    extra_context = {"title": "New lead", "cancel_url": reverse_lazy("manage:leads")}

    def perform(self, data):
        return lead_services.lead_create(actor=self.request.user, data=data)

    def get_success_url(self, result):
        return reverse("manage:lead-detail", args=[result.pk])


class LeadDetailView(ScopedPageMixin, TemplateView):
    template_name = "manager/deals/lead_detail.html"
    permission_required = "portal.manager"
    queryset = Lead.objects.select_related("partner__tier", "offered_by", "converted_deal")
    object_view = True

    def get_context_data(self, **kwargs):
        from prm import audit

        lead = self.object
        suggestions = selectors.lead_suggestions(user=self.request.user, lead=lead) if lead.status == "new" else []
        return super().get_context_data(
            lead=lead,
            suggestions=suggestions,
            history=audit.history_for(lead, limit=30),
            response_hours=getattr(settings, "PRM_LEAD_RESPONSE_HOURS", lead_services.LEAD_RESPONSE_HOURS),
            **kwargs,
        )


class LeadOfferView(ActionPageView):
    permission_required = "lead.manage"
    model = Lead
    serializer_class = LeadOfferSerializer

    def perform(self, data):
        lead = lead_services.lead_offer(actor=self.request.user, lead=self.object, **data)
        return f"Lead offered to {lead.partner.name}."

    def get_success_url(self):
        return reverse("manage:lead-detail", args=[self.object.pk])
