"""Demo incentives, made through the services: three programs (a tier rebate, a SPIFF, a quarterly volume bonus,
one with a budget cap), their accruals over the demo's deal history, statements of the last two months in every
status (paid, approved, draft), a reversal and an adjustment, market development funds with requests and claims
in every status, and badges for the leaderboard.

Idempotent: a program that already has incentive programs is left as it is. Runs after the performance demo
(seed_late, in app order), whose deal history the programs pay."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from partners.models import Partner, PartnerStatus
from performance.periods import Period
from prm.accounts.models import User
from prm.accounts.roles import Role

from . import accruals, bonuses, mdf, program_services, recognition, statements
from .models import Accrual, IncentiveProgram, MdfRequest

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def seed(ctx) -> None:
    """Incentives pay the deals other demos make: see seed_late."""


def seed_late(ctx) -> None:
    if IncentiveProgram.objects.exists():
        return
    partners = list(Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("id"))
    if len(partners) < 3:
        return
    finance = User.objects.filter(role=Role.FINANCE).order_by("id").first()
    _programs(ctx)
    _statements(ctx, finance)
    _mdf(ctx, partners, finance)
    recognition.badges_grant_by_rule(today=ctx.today)


def _programs(ctx) -> None:
    today, admin = ctx.today, ctx.admin
    year_ago = Period.containing("quarter", today).shifted(-4).start
    rebate = program_services.program_create(
        actor=admin,
        data={
            "name": "Partner rebate",
            "kind": "rebate",
            "description": "Every won deal earns the partner's tier rebate.",
            "starts_on": year_ago,
        },
    )
    spiff = program_services.program_create(
        actor=admin,
        data={
            "name": "SD-WAN SPIFF",
            "kind": "spiff",
            "description": "500 USD for every SD-WAN deal won, while the budget lasts.",
            "amount": Decimal("500"),
            "currency": "USD",
            "products": "SD-WAN",
            "starts_on": year_ago,
            "budget_cap": Decimal("6000"),
        },
    )
    bonus = program_services.program_create(
        actor=admin,
        data={
            "name": "Quarterly volume bonus",
            "kind": "volume_bonus",
            "description": "A bonus on the quarter's won revenue once it passes a threshold.",
            "thresholds": [{"min_revenue": "150000", "percent": "1"}, {"min_revenue": "400000", "percent": "2"}],
            "starts_on": year_ago,
            "audience_tiers": [t for t in ctx.tiers if t.rank >= 2],
        },
    )
    for program in (rebate, spiff):
        accruals.program_recompute(program)
    quarter = Period.containing("quarter", today)
    for back in (3, 2, 1):
        bonuses.volume_bonuses_close(today=today, quarter=quarter.shifted(-back))
    _dated_as_earned(bonus)


def _dated_as_earned(bonus: IncentiveProgram) -> None:
    """The history was imported, so its lines are dated as if accrued when earned (a deal's close day, the day
    after a bonus quarter) and the demo's past statements have lines to hold."""
    lines = list(Accrual.objects.select_related("deal").filter(statement__isnull=True))
    for line in lines:
        day = line.deal.closed_on if line.deal_id else (line.period_end or line.created_at.date())
        if line.program_id == bonus.pk and line.period_end:
            day = line.period_end + timedelta(days=1)
        line.created_at = timezone.make_aware(datetime.combine(day, time(18, 0)))
    Accrual.objects.bulk_update(lines, ["created_at"], batch_size=500)


def _statements(ctx, finance: User | None) -> None:
    """Statements of the two months before this one: the older approved and paid, the newer approved for some
    partners and left in draft for the others; then a paid line reversed (a reopened deal) and an adjustment, which
    wait for the next statement."""
    if finance is None:
        return
    month = Period.containing("month", ctx.today)
    older, newer = month.shifted(-2), month.shifted(-1)
    statements.statements_generate(actor=finance, period_start=older.start, period_end=older.end)
    from .models import PayoutStatement

    for statement in PayoutStatement.objects.filter(period_start=older.start).order_by("id"):
        statements.statement_approve(actor=finance, statement=statement)
        statements.statement_mark_paid(actor=finance, statement=statement, payment_reference=f"PAY-{statement.pk:05d}")
    statements.statements_generate(actor=finance, period_start=newer.start, period_end=newer.end)
    for index, statement in enumerate(PayoutStatement.objects.filter(period_start=newer.start).order_by("id")):
        if index % 2 == 0:
            statements.statement_approve(actor=finance, statement=statement)
    paid = (
        IncentiveProgram.objects.get(name="Partner rebate")
        .accruals.filter(status="paid", deal__isnull=False)
        .select_related("deal")
        .order_by("id")
        .first()
    )
    if paid:
        from deals.services import deal_reopen

        deal_reopen(actor=ctx.managers[0], deal=paid.deal, reason="The customer returned the order.")
        accruals.accruals_sync_deal(paid.deal_id)
        program_services.accrual_adjust(
            actor=finance,
            partner=paid.partner,
            amount=Decimal("250.00"),
            explanation="Goodwill credit agreed with the partner for the returned order.",
        )


def _mdf(ctx, partners: list[Partner], finance: User | None) -> None:
    """This quarter's funds for three partners, with requests approved, rejected and waiting, and claims
    reimbursed, rejected and waiting."""
    manager = ctx.managers[0]
    quarter = Period.containing("quarter", ctx.today)
    for index, partner in enumerate(partners[:3]):
        fund = mdf.mdf_fund_allocate(
            actor=manager,
            partner=partner,
            period_start=quarter.start,
            period_end=quarter.end,
            amount=Decimal(20000 - 5000 * index),
        )
        rep = User.objects.filter(partner=partner, is_active=True).order_by("id").first()
        if rep is None:
            continue
        starts = max(ctx.today, quarter.start)
        ends = min(starts + timedelta(days=2), quarter.end)
        requests = [
            mdf.mdf_request_create(
                actor=rep,
                fund=fund,
                data={
                    "activity_type": kind,
                    "description": text,
                    "starts_on": starts,
                    "ends_on": ends,
                    "planned_cost": Decimal(cost),
                    "expected_leads": leads,
                },
            )
            for kind, text, cost, leads in (
                ("webinar", "SD-WAN for mid-market IT: a live demo and Q&A.", "4000", 25),
                ("event", "A stand at the regional security summit.", "9000", 60),
                ("digital", "A LinkedIn campaign for the managed SOC offer.", "3000", 40),
            )
        ]
        mdf.mdf_request_approve(actor=manager, request=requests[0])
        if index == 0:
            mdf.mdf_request_approve(actor=manager, request=requests[1])
        else:
            mdf.mdf_request_reject(actor=manager, request=requests[1], reason="The summit is outside your territory.")
        if finance is None:
            continue
        claim = mdf.mdf_claim_create(
            actor=rep,
            request=MdfRequest.objects.get(pk=requests[0].pk),
            amount=Decimal("3650.00"),
            description="Webinar platform and promotion.",
            leads_generated=31,
            files=[SimpleUploadedFile("invoice.pdf", PDF, content_type="application/pdf")],
        )
        if index == 0:
            mdf.mdf_claim_approve(actor=finance, claim=claim)
        elif index == 1:
            mdf.mdf_claim_reject(
                actor=finance, claim=claim, reason="The invoice is not itemized; send the itemized one."
            )
