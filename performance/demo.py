"""Demo scorecards with a history: two years of the demo partners' past deals (as if imported from the CRM the
program used before the portal), their sign-ins, then the recalculation itself — past quarters and months oldest
first, so trends have something to compare with, then the open periods with tier proposals. The demo therefore
shows real scorecards made by the real engine: every partner has one, some tiers are proposed to change, and one
partner is at risk (its registrations and sign-ins stopped this quarter while its revenue has not fallen yet).

Idempotent: a program that already has scorecards is left as it is."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify

from deals import services as deal_services
from deals.conflicts import customer_key, normalize_name
from deals.demo import CURRENCY_FOR_COUNTRY, PRODUCTS, RATES
from deals.models import Customer, Deal, DealStatus, ExchangeRate
from partners.models import Partner, PartnerStatus
from prm.accounts.models import User

from . import engine
from .models import ActivityKind, PartnerActivity, Scorecard
from .periods import Period

HISTORY_QUARTERS = 8


def seed(ctx) -> None:
    """Scorecards need every other app's demo data first: see seed_late."""


def seed_late(ctx) -> None:
    if Scorecard.objects.exists():
        return
    partners = list(Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("id"))
    if not partners:
        return
    _rates_since(ctx, Period.containing("quarter", ctx.today).shifted(-HISTORY_QUARTERS).start)
    _history(ctx, partners)
    _sign_ins(ctx, partners)
    _recalculate(ctx)
    _plans(ctx, partners)


def _rates_since(ctx, day) -> None:
    """The demo's exchange rates start a month ago; the imported history needs rates for its own days."""
    for currency, rate in RATES.items():
        if not ExchangeRate.objects.filter(currency=currency, valid_from__lte=day).exists():
            deal_services.exchange_rate_set(
                actor=ctx.admin, data={"currency": currency, "rate": Decimal(rate), "valid_from": day}
            )


def _profile(index: int) -> tuple[int, range]:
    """(deals registered per quarter, their amounts): the first partner sells steadily and well; the second is
    the one at risk; the third grew fast enough for a promotion; the others vary."""
    if index == 0:
        return 9, range(40_000, 140_000, 500)
    if index == 1:
        return 6, range(20_000, 80_000, 500)
    if index == 2:
        return 10, range(60_000, 220_000, 500)
    return 1 + index % 5, range(8_000, 90_000, 500)


def _history(ctx, partners: list[Partner]) -> None:
    rng, today = ctx.rng, ctx.today
    current = Period.containing("quarter", today)
    quarters = [current.shifted(-n) for n in range(HISTORY_QUARTERS, -1, -1)]
    reps = {}
    for user in User.objects.filter(partner__in=partners, is_active=True).order_by("id"):
        reps.setdefault(user.partner_id, user)
    deals = []
    closed: dict[int, list[tuple[str, str]]] = {}  # each partner's customers so far, for repeat business
    for index, partner in enumerate(partners):
        per_quarter, amounts = _profile(index)
        currency = CURRENCY_FOR_COUNTRY.get(partner.country.code, "USD")
        for q in quarters:
            count = per_quarter
            if index == 1 and q == current:
                count = 1  # registrations stopped: the early warning (its revenue still comes from before)
            for n in range(count):
                registered = q.start + timedelta(days=rng.randrange(0, q.days))
                if registered >= today:
                    continue
                deals.append(
                    _deal(ctx, partner, reps.get(partner.pk), registered, rng.choice(amounts), currency, n, closed)
                )
    customers = {}
    for deal in deals:
        key = customer_key(deal.customer_name, deal.customer_domain)
        if key not in customers:
            customers[key] = Customer.objects.get_or_create(
                key=key,
                defaults={
                    "name": deal.customer_name,
                    "name_normalized": normalize_name(deal.customer_name),
                    "domain": deal.customer_domain,
                },
            )[0]
        deal.customer = customers[key]
    Deal.objects.bulk_create(deals, batch_size=500)


def _deal(
    ctx,
    partner: Partner,
    rep: User | None,
    registered,
    amount: int,
    currency: str,
    n: int,
    closed: dict[int, list[tuple[str, str]]],
) -> Deal:
    rng, today = ctx.rng, ctx.today
    name = f"{ctx.fake.company()} {n}"
    domain = f"{slugify(name)[:40]}-{partner.pk}.example"
    created = timezone.make_aware(datetime.combine(registered, time(10, 0)))
    cycle = rng.randrange(20, 75)
    closes = registered + timedelta(days=cycle)
    deal = Deal(
        partner=partner,
        registered_by=rep,
        customer_name=name,
        customer_domain=domain,
        country=partner.country.code,
        products=rng.choice(PRODUCTS),
        amount=Decimal(amount),
        currency=currency,
        expected_close_date=closes,
        description="Imported from the CRM used before the portal.",
        created_at=created,
        approved_at=created + timedelta(days=1),
        decided_at=created + timedelta(days=1),
    )
    if closes < today:
        earlier = closed.setdefault(partner.pk, [])
        if earlier and rng.random() < 0.25:  # repeat business with a customer it closed before
            deal.customer_name, deal.customer_domain = rng.choice(earlier)
        else:
            earlier.append((name, domain))
        won = rng.random() < 0.55
        deal.status = DealStatus.WON if won else DealStatus.LOST
        deal.closed_on = closes
        deal.won_amount = Decimal(amount) if won else None
        deal.lost_reason = "" if won else "Lost to a competitor on price."
        deal.protected_until = registered + timedelta(days=120)
    else:
        deal.status = DealStatus.APPROVED if rng.random() < 0.6 else DealStatus.SUBMITTED
        if deal.status == DealStatus.SUBMITTED:
            deal.approved_at = deal.decided_at = None
        else:
            deal.protected_until = today + timedelta(days=90)
    return deal


def _sign_ins(ctx, partners: list[Partner]) -> None:
    """A few sign-ins a week per partner for fifteen months; none for 40 days at the partner at risk."""
    rng, today = ctx.rng, ctx.today
    rows = []
    for index, partner in enumerate(partners):
        day = today - timedelta(days=450)
        while day <= today:
            if not (index == 1 and day > today - timedelta(days=40)):
                rows.append(
                    PartnerActivity(
                        partner=partner,
                        kind=ActivityKind.SIGN_IN if rng.random() < 0.8 else ActivityKind.DOWNLOAD,
                        at=timezone.make_aware(datetime.combine(day, time(9, rng.randrange(0, 60)))),
                    )
                )
            day += timedelta(days=rng.randrange(2, 6))
    PartnerActivity.objects.bulk_create(rows, batch_size=1000)


def _recalculate(ctx) -> None:
    today = ctx.today
    quarter, month = Period.containing("quarter", today), Period.containing("month", today)
    past = [quarter.shifted(-n) for n in range(HISTORY_QUARTERS, 0, -1)]
    past += [month.shifted(-n) for n in range(12, 0, -1)]
    for period in past:  # oldest first: each period's trend compares with the one stored before it
        engine.recalculate(periods=[period], today=today, propose=False)
    engine.recalculate(today=today)


def _plans(ctx, partners: list[Partner]) -> None:
    """This quarter's joint business plans: agreed by both sides for the first partner, agreed for the one at
    risk (and behind its pace), a draft waiting for the partner's agreement for the third."""
    from .plans import business_plan_agree, business_plan_create

    quarter = Period.containing("quarter", ctx.today)
    manager = ctx.managers[0]
    objectives = [
        [
            ("deals_registered", 25, "Register 25 deals"),
            ("certified_users", 3, "Certify 3 reps"),
            ("revenue_won", 250_000, "250,000 USD won"),
        ],
        [("deals_registered", 18, "Register 18 deals"), ("revenue_won", 150_000, "150,000 USD won")],
        [("deals_won", 8, "Win 8 deals"), ("portal_engagement", 40, "Use the portal every week")],
    ]
    for index, (partner, rows) in enumerate(zip(partners[:3], objectives, strict=False)):
        admin = User.objects.filter(partner=partner, role="partner_admin", is_active=True).order_by("id").first()
        plan = business_plan_create(
            actor=manager,
            partner=partner,
            data={"period_kind": "quarter", "period_start": quarter.start, "title": f"{quarter.label} growth plan"},
            objectives=[{"kpi": kpi, "target": Decimal(target), "description": text} for kpi, target, text in rows],
        )
        business_plan_agree(actor=manager, plan=plan)
        if admin and index < 2:
            business_plan_agree(actor=admin, plan=plan)
