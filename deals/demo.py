"""Demo deals, conflicts, leads and exchange rates, written through the services (real audit trail and
outbox). Idempotent: a program that already has deals (or leads, or rates) is left as it is."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from partners.models import Partner, PartnerStatus
from prm.accounts.models import User
from prm.accounts.roles import Role

from . import lead_services, services
from .models import Deal, ExchangeRate, Lead

RATES = {"EUR": "1.08", "GBP": "1.27", "JPY": "0.0067", "AUD": "0.66", "CAD": "0.73", "INR": "0.012"}
CURRENCY_FOR_COUNTRY = {"GB": "GBP", "DE": "EUR", "FR": "EUR", "NL": "EUR", "ES": "EUR", "JP": "JPY", "AU": "AUD"}
CUSTOMERS = [
    ("Globex Corporation", "globex.example"),
    ("Initech", "initech.example"),
    ("Umbrella Health", "umbrella-health.example"),
    ("Stark Industries", "stark.example"),
    ("Wayne Enterprises", "wayne.example"),
    ("Cyberdyne Systems", "cyberdyne.example"),
    ("Soylent Foods", "soylent.example"),
    ("Tyrell Corporation", "tyrell.example"),
    ("Hooli", "hooli.example"),
    ("Vandelay Industries", "vandelay.example"),
    ("Massive Dynamic", "massive-dynamic.example"),
    ("Oscorp", "oscorp.example"),
    ("Pied Piper", "piedpiper.example"),
    ("Wonka Confectionery", "wonka.example"),
]
PRODUCTS = ["Edge gateways", "Cloud backup, 3 years", "SD-WAN rollout", "Endpoint security", "Managed SOC"]


def seed(ctx) -> None:
    _rates(ctx)
    if not Deal.objects.exists():
        _deals(ctx)
    if not Lead.objects.exists():
        _leads(ctx)


def _rates(ctx) -> None:
    for currency, rate in RATES.items():
        if not ExchangeRate.objects.filter(currency=currency).exists():
            services.exchange_rate_set(
                actor=ctx.admin,
                data={"currency": currency, "rate": Decimal(rate), "valid_from": ctx.today - timedelta(days=30)},
            )


def _rep(partner: Partner) -> User | None:
    return (
        User.objects.filter(partner=partner, is_active=True, role=Role.PARTNER_REP).order_by("id").first()
        or User.objects.filter(partner=partner, is_active=True).order_by("id").first()
    )


def _register(ctx, partner, customer, *, amount, days=45):
    name, domain = customer
    return services.deal_register(
        actor=_rep(partner),
        data={
            "customer_name": name,
            "customer_domain": domain,
            "country": partner.country.code,
            "contact_name": ctx.fake.name(),
            "contact_email": f"buyer@{domain}" if domain else "",
            "products": ctx.rng.choice(PRODUCTS),
            "amount": Decimal(amount),
            "currency": CURRENCY_FOR_COUNTRY.get(partner.country.code, "USD"),
            "expected_close_date": ctx.today + timedelta(days=days),
            "description": ctx.fake.sentence(nb_words=14),
        },
    )


def _deals(ctx) -> None:
    partners = [p for p in Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("id") if _rep(p)]
    if len(partners) < 4:
        return
    manager = ctx.managers[0]
    rng = ctx.rng
    for i, customer in enumerate(CUSTOMERS):
        partner = partners[i % len(partners)]
        deal = _register(ctx, partner, customer, amount=rng.randrange(8_000, 400_000, 500))
        state = i % 7
        if state == 1:
            services.deal_approve(actor=manager, deal=deal)
        elif state == 2:
            services.deal_reject(actor=manager, deal=deal, reason="The customer is a direct account of the vendor.")
        elif state == 3:
            deal = services.deal_approve(actor=manager, deal=deal)
            services.deal_win(actor=_rep(partner), deal=deal, amount=deal.amount, closed_on=ctx.today)
        elif state == 4:
            deal = services.deal_approve(actor=manager, deal=deal)
            services.deal_lose(actor=_rep(partner), deal=deal, reason="Lost to a competitor on price.")
        elif state == 5:
            services.deal_approve(actor=manager, deal=deal)
            # protection that already ran out, so the expiry job has something to do
            Deal.objects.filter(pk=deal.pk).update(protected_until=ctx.today - timedelta(days=1))
            services.deals_expire_lapsed(today=ctx.today)
    # Conflicts: other partners register customers already registered (by domain, and by a similar name).
    _register(ctx, partners[1], ("Globex Corp", "globex.example"), amount="95000")
    _register(ctx, partners[2], ("Globex", ""), amount="120000")
    _register(ctx, partners[3], ("Stark Industries Ltd", "stark.example"), amount="60000")
    _register(ctx, partners[0], ("Initech Inc.", ""), amount="42000")
    services.deal_comment_add(
        actor=manager,
        deal=Deal.objects.filter(customer_name="Globex Corporation").first(),
        body="Two other partners registered Globex this week; who is meeting the CIO?",
    )


def _leads(ctx) -> None:
    manager = ctx.managers[0]
    partners = [p for p in Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("id") if _rep(p)]
    names = [
        ("Acme Logistics", "acme-logistics.example", "GB"),
        ("Blue Sun Mining", "bluesun.example", "US"),
        ("Nakatomi Trading", "nakatomi.example", "JP"),
        ("Gringotts Finance", "gringotts.example", "GB"),
        ("Monsters Inc", "monsters.example", "US"),
        ("Dunder Mifflin Paper", "dundermifflin.example", "US"),
    ]
    for i, (name, domain, country) in enumerate(names):
        lead = lead_services.lead_create(
            actor=manager,
            data={
                "customer_name": name,
                "customer_domain": domain,
                "country": country,
                "contact_name": ctx.fake.name(),
                "contact_email": f"it@{domain}",
                "products": ctx.rng.choice(PRODUCTS),
                "estimated_amount": Decimal(ctx.rng.randrange(10_000, 150_000, 1000)),
                "currency": "USD",
                "description": "Inbound request from the vendor's website.",
            },
        )
        if i == 0 or not partners:
            continue  # stays in the pool
        partner = partners[0] if i <= 3 else partners[i % len(partners)]
        lead = lead_services.lead_offer(actor=manager, lead=lead, partner=partner)
        rep = _rep(partner)
        if i == 2:
            lead_services.lead_accept(actor=rep, lead=lead)
        elif i == 3:
            lead = lead_services.lead_accept(actor=rep, lead=lead)
            lead_services.lead_convert(
                actor=rep, lead=lead, data={"expected_close_date": ctx.today + timedelta(days=30)}
            )
        elif i == 5:
            lead_services.lead_decline(actor=rep, lead=lead, reason="No capacity in that region this quarter.")
