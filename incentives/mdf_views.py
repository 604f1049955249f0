"""MDF pages. The manager's (`manage:mdf`): utilization by partner and by tier, the funds, allocation by hand and by
rule, the request queue (approve, or reject with a reason), the claim queue (finance approves or rejects, proofs
one click away) and a request with its ROI. The partner's (`portal:mdf`): the balance of each fund, its requests
and claims with their status and reasons in words, and the forms to request funds and to claim them with proof.
Forms are validated by the API's serializers and written by the same services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import TemplateView, View

from prm import charts, tenancy
from prm.filters import list_rows
from prm.pages import (
    PAGE_ERRORS,
    ActionPageView,
    ListPageMixin,
    ManagerPageMixin,
    PortalPageMixin,
    PostOnlyMixin,
    ScopedPageMixin,
    SerializerFormMixin,
    add_form_errors,
)
from prm.permissions import has_perm
from prm.uploads import serve_file

from . import mdf
from .mdf_api import (
    FUND_SORTS,
    MdfClaimSerializer,
    MdfFundFilterSet,
    MdfFundSerializer,
    MdfReasonSerializer,
    MdfRequestSerializer,
)
from .mdf_forms import ClaimForm, FundForm, RequestForm, RuleForm
from .models import MdfClaim, MdfClaimStatus, MdfFund, MdfProof, MdfRequest, MdfRequestStatus

REQUEST_QUERYSET = MdfRequest.objects.select_related("fund__partner", "requested_by", "decided_by")


def _ns(request) -> str:
    return request.resolver_match.namespace if request.resolver_match else "portal"


# --- manager: overview, funds, allocation --------------------------------------------------------------------


class MdfOverviewView(ListPageMixin, ManagerPageMixin, TemplateView):
    """Utilization by partner and by tier of the funds running today, the queues' sizes, and every fund."""

    template_name = "incentives/mdf/overview.html"
    partial_template = "incentives/mdf/_funds.html"
    permission_required = "mdf.view"
    page_size = 25

    def get_context_data(self, **kwargs):
        user = self.request.user
        result = list_rows(
            actor=user,
            queryset=MdfFund.objects.select_related("partner__tier"),
            filterset_class=MdfFundFilterSet,
            params=self.request.GET,
            sorts=FUND_SORTS,
        )
        context = self.list_context(result)
        today = timezone.localdate()
        for fund in context["page"].object_list:
            fund.expired = fund.period_end < today
        by_tier = mdf.utilization_by_tier(actor=user)
        chart = None
        if by_tier:
            chart = charts.bar_chart(
                labels=[r["partner__tier__name"] or "No tier" for r in by_tier],
                series={
                    "Allocated": [r["allocated"] for r in by_tier],
                    "Approved": [r["approved"] for r in by_tier],
                    "Claimed": [r["claimed"] for r in by_tier],
                    "Reimbursed": [r["reimbursed"] for r in by_tier],
                },
                title="Funds running today by tier",
                unit=settings.PRM_PROGRAM_CURRENCY,
                label_heading="Tier",
            )
        return super().get_context_data(
            **context,
            by_partner=mdf.utilization_by_partner(actor=user),
            by_tier=by_tier,
            chart=chart,
            pending_requests=mdf.request_queue(actor=user).count(),
            pending_claims=mdf.claim_queue(actor=user).count(),
            can_allocate=has_perm(user, "mdf_fund.manage"),
            today=today,
            **kwargs,
        )


class FundCreateView(SerializerFormMixin, ManagerPageMixin, TemplateView):
    template_name = "incentives/mdf/form.html"
    permission_required = "mdf_fund.manage"
    form_class = FundForm
    serializer_class = MdfFundSerializer
    success_message = "Fund allocated."

    def get_context_data(self, **kwargs):
        return super().get_context_data(title="Allocate a fund", cancel_url=reverse("manage:mdf"), **kwargs)

    def get_initial(self):
        return {"partner": self.request.GET.get("partner")} if self.request.GET.get("partner", "").isdigit() else {}

    def perform(self, data):
        return mdf.mdf_fund_allocate(
            actor=self.request.user,
            partner=data["partner"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            amount=data["amount"],
            currency=data.get("currency") or None,
        )

    def get_success_url(self, result):
        return reverse("manage:mdf")


class AllocateByRuleView(ManagerPageMixin, TemplateView):
    template_name = "incentives/mdf/rule.html"
    permission_required = "mdf_fund.manage"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=RuleForm(request=request)))

    def post(self, request, *args, **kwargs):
        from .mdf_api import AllocateByRuleSerializer

        form = RuleForm(data=request.POST, request=request)
        data = {
            "period_start": request.POST.get("period_start", ""),
            "period_end": request.POST.get("period_end", ""),
            "percent_by_tier": form.percent_by_tier(request.POST),
        }
        serializer = AllocateByRuleSerializer(data=data)
        try:
            serializer.is_valid(raise_exception=True)
            count = mdf.mdf_funds_allocate_by_rule(actor=request.user, **serializer.validated_data)
        except PAGE_ERRORS as exc:
            add_form_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        if count:
            messages.success(request, f"{count} fund{'s' if count != 1 else ''} allocated.")
        else:
            messages.info(request, "No fund allocated: every partner of those tiers has one, or won nothing then.")
        return HttpResponseRedirect(reverse("manage:mdf"))


# --- requests ------------------------------------------------------------------------------------------------


class RequestQueueView(ManagerPageMixin, TemplateView):
    """The requests waiting for a decision, oldest first (or any status), each with its fund's balance."""

    template_name = "incentives/mdf/requests.html"
    permission_required = "mdf.view"

    def get_context_data(self, **kwargs):
        status = self.request.GET.get("status", MdfRequestStatus.SUBMITTED)
        if status not in MdfRequestStatus.values:
            status = ""
        rows = list(mdf.request_queue(actor=self.request.user, status=status or None)[:200])
        return super().get_context_data(
            rows=rows,
            status=status,
            statuses=MdfRequestStatus.choices,
            can_decide=has_perm(self.request.user, "mdf_request.decide"),
            **kwargs,
        )


class RequestDetailView(ScopedPageMixin, TemplateView):
    """One activity: what was asked, the decision, its claims with proofs, and its ROI."""

    template_name = "incentives/mdf/request.html"
    permission_required = "mdf.view"
    queryset = REQUEST_QUERYSET
    object_view = True

    def get_context_data(self, **kwargs):
        request = self.object
        user = self.request.user
        claims = tenancy.scope(request.claims.select_related("decided_by").prefetch_related("proofs"), user)
        ns = _ns(self.request)
        return super().get_context_data(
            activity=request,
            claims=list(claims),
            roi=mdf.roi_for([request])[request.pk] if request.status == MdfRequestStatus.APPROVED else None,
            claimable=mdf.claimable(request),
            ns=ns,
            is_manager_portal=ns == "manage",
            can_decide=has_perm(user, "mdf_request.decide") and request.status == MdfRequestStatus.SUBMITTED,
            can_decide_claims=has_perm(user, "mdf_claim.decide"),
            can_claim=has_perm(user, "mdf_claim.create") and request.status == MdfRequestStatus.APPROVED,
            **kwargs,
        )


class _RequestAction(PostOnlyMixin, ActionPageView):
    permission_required = "mdf_request.decide"
    queryset = REQUEST_QUERYSET

    def get_success_url(self):
        back = self.request.POST.get("next", "")
        if back == "detail":
            return reverse("manage:mdf-request", args=[self.object.pk])
        return reverse("manage:mdf-requests")


class RequestApproveView(_RequestAction):
    error_prefix = "Not approved: "

    def perform(self, data):
        request = mdf.mdf_request_approve(actor=self.request.user, request=self.object)
        return f"Request approved: {request.planned_cost:,.2f} {request.fund.currency} taken from the fund."


class RequestRejectView(_RequestAction):
    serializer_class = MdfReasonSerializer
    error_prefix = "Not rejected: "

    def perform(self, data):
        mdf.mdf_request_reject(actor=self.request.user, request=self.object, reason=data["reason"])
        return "Request rejected; the partner sees the reason."


# --- claims --------------------------------------------------------------------------------------------------


class ClaimQueueView(ManagerPageMixin, TemplateView):
    template_name = "incentives/mdf/claims.html"
    permission_required = "mdf.view"

    def get_context_data(self, **kwargs):
        status = self.request.GET.get("status", MdfClaimStatus.SUBMITTED)
        if status not in MdfClaimStatus.values:
            status = ""
        rows = list(mdf.claim_queue(actor=self.request.user, status=status or None)[:200])
        return super().get_context_data(
            rows=rows,
            status=status,
            statuses=MdfClaimStatus.choices,
            can_decide=has_perm(self.request.user, "mdf_claim.decide"),
            **kwargs,
        )


class _ClaimAction(PostOnlyMixin, ActionPageView):
    permission_required = "mdf_claim.decide"
    queryset = MdfClaim.objects.select_related("request__fund")

    def get_success_url(self):
        return reverse("manage:mdf-claims")


class ClaimApproveView(_ClaimAction):
    error_prefix = "Not approved: "

    def perform(self, data):
        claim = mdf.mdf_claim_approve(actor=self.request.user, claim=self.object)
        return (
            f"Claim approved: {claim.amount:,.2f} {claim.request.fund.currency} goes on the partner's next statement."
        )


class ClaimRejectView(_ClaimAction):
    serializer_class = MdfReasonSerializer
    error_prefix = "Not rejected: "

    def perform(self, data):
        mdf.mdf_claim_reject(actor=self.request.user, claim=self.object, reason=data["reason"])
        return "Claim rejected; the partner sees the reason."


class ProofDownloadView(ScopedPageMixin, View):
    """A proof file, handed out only after tenancy found it (another organization's is a 404)."""

    permission_required = "mdf.view"
    queryset = MdfProof.objects.select_related("claim")
    object_view = True

    def get(self, request, *args, **kwargs):
        return serve_file(self.object.file, download_name=self.object.name)


# --- partner portal ------------------------------------------------------------------------------------------


class PortalMdfView(PortalPageMixin, TemplateView):
    """The partner's funds (balance, expiry), its requests and claims with statuses and reasons in words."""

    template_name = "incentives/mdf/portal.html"
    permission_required = "mdf.view"

    def get_context_data(self, **kwargs):
        user = self.request.user
        today = timezone.localdate()
        funds = list(mdf.fund_list(actor=user).order_by("-period_start")[:20])
        for fund in funds:
            fund.expired = fund.period_end < today
        requests = list(mdf.request_queue(actor=user, status=None).order_by("-created_at", "-id")[:100])
        rois = mdf.roi_for([r for r in requests if r.status == MdfRequestStatus.APPROVED])
        for r in requests:
            r.roi = rois.get(r.pk)
        claims = list(mdf.claim_queue(actor=user, status=None).order_by("-created_at", "-id")[:100])
        return super().get_context_data(
            funds=funds,
            open_funds=[f for f in funds if not f.expired],
            requests=requests,
            claims=claims,
            can_request=has_perm(user, "mdf_request.create"),
            can_claim=has_perm(user, "mdf_claim.create"),
            currency=settings.PRM_PROGRAM_CURRENCY,
            **kwargs,
        )


class PortalRequestCreateView(SerializerFormMixin, PortalPageMixin, TemplateView):
    template_name = "incentives/mdf/form.html"
    permission_required = "mdf_request.create"
    form_class = RequestForm
    serializer_class = MdfRequestSerializer
    success_message = "Request sent: your partner manager decides it."

    def get_initial(self):
        fund = self.request.GET.get("fund", "")
        return {"fund": int(fund)} if fund.isdigit() else {}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title="Request funds for an activity", cancel_url=reverse("portal:mdf"), **kwargs
        )

    def perform(self, data):
        data = dict(data)
        fund = data.pop("fund")
        return mdf.mdf_request_create(actor=self.request.user, fund=fund, data=data)

    def get_success_url(self, result):
        return reverse("portal:mdf")


class PortalClaimCreateView(SerializerFormMixin, PortalPageMixin, TemplateView):
    """Claim on one of the partner's approved requests (named in the URL: another's is a 404)."""

    template_name = "incentives/mdf/form.html"
    permission_required = "mdf_claim.create"
    form_class = ClaimForm
    serializer_class = MdfClaimSerializer
    queryset = REQUEST_QUERYSET
    object_view = True
    success_message = "Claim sent: finance reviews it and the amount is paid on your next statement."

    def get_form(self, data=None):
        return self.form_class(
            data=data, files=self.request.FILES if data is not None else None, request=self.request,
            initial=self.get_initial(),
        )  # fmt: skip

    def get_serializer(self, data):
        return self.serializer_class(data=data, context={"request": self.request})

    def get_serializer_data(self, post):
        data = {name: post[name] for name in ("amount", "description", "leads_generated") if post.get(name, "") != ""}
        data["request"] = self.object.pk
        files = self.request.FILES.getlist("proof")
        if files:
            data["proof"] = files
        return data

    def get_context_data(self, **kwargs):
        activity = self.object
        return super().get_context_data(
            title=f"Claim for {mdf.activity_label(activity)}",
            intro=f"Up to {mdf.claimable(activity):,.2f} {activity.fund.currency} is left to claim on this activity.",
            cancel_url=reverse("portal:mdf"),
            multipart=True,
            **kwargs,
        )

    def perform(self, data):
        return mdf.mdf_claim_create(
            actor=self.request.user,
            request=self.object,
            amount=data["amount"],
            description=data.get("description", ""),
            leads_generated=data.get("leads_generated", 0),
            files=data.get("proof") or [],
        )

    def get_success_url(self, result):
        return reverse("portal:mdf")


manager_urlpatterns = [
    path("mdf/", MdfOverviewView.as_view(), name="mdf"),
    path("mdf/funds/new/", FundCreateView.as_view(), name="mdf-fund-create"),
    path("mdf/funds/by-rule/", AllocateByRuleView.as_view(), name="mdf-allocate-rule"),
    path("mdf/requests/", RequestQueueView.as_view(), name="mdf-requests"),
    path("mdf/requests/<int:pk>/", RequestDetailView.as_view(), name="mdf-request"),
    path("mdf/requests/<int:pk>/approve/", RequestApproveView.as_view(), name="mdf-request-approve"),
    path("mdf/requests/<int:pk>/reject/", RequestRejectView.as_view(), name="mdf-request-reject"),
    path("mdf/claims/", ClaimQueueView.as_view(), name="mdf-claims"),
    path("mdf/claims/<int:pk>/approve/", ClaimApproveView.as_view(), name="mdf-claim-approve"),
    path("mdf/claims/<int:pk>/reject/", ClaimRejectView.as_view(), name="mdf-claim-reject"),
    path("mdf/proofs/<int:pk>/", ProofDownloadView.as_view(), name="mdf-proof"),
]
portal_urlpatterns = [
    path("mdf/", PortalMdfView.as_view(), name="mdf"),
    path("mdf/requests/new/", PortalRequestCreateView.as_view(), name="mdf-request-create"),
    path("mdf/requests/<int:pk>/", RequestDetailView.as_view(), name="mdf-request"),
    path("mdf/requests/<int:pk>/claim/", PortalClaimCreateView.as_view(), name="mdf-claim-create"),
    path("mdf/proofs/<int:pk>/", ProofDownloadView.as_view(), name="mdf-proof"),
]
