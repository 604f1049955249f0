"""Factories for the incentives app. Money lines made here are rows for routes and pages; tests of the money make
their lines through the services (accruals_sync_deal, statements, MDF decisions)."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from deals.models import DealStatus
from incentives.models import (
    Accrual,
    Award,
    Badge,
    IncentiveProgram,
    MdfClaim,
    MdfFund,
    MdfRequest,
    PayoutStatement,
    ProgramKind,
)

from ..deals.factories import DealFactory
from ..factories import PartnerFactory


class IncentiveProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncentiveProgram

    name = factory.Sequence(lambda n: f"Rebate {n}")
    kind = ProgramKind.REBATE
    rate_percent = Decimal("5.00")
    starts_on = factory.LazyFunction(lambda: date(2020, 1, 1))


class AccrualFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Accrual

    partner = factory.SubFactory(PartnerFactory)
    program = factory.SubFactory(IncentiveProgramFactory)
    amount = Decimal("600.00")
    currency = "USD"
    explanation = "5% of 12,000.00 USD"


class PayoutStatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PayoutStatement

    partner = factory.SubFactory(PartnerFactory)
    period_start = factory.LazyFunction(lambda: timezone.localdate().replace(day=1) - timedelta(days=60))
    period_end = factory.LazyAttribute(lambda o: o.period_start + timedelta(days=30))
    currency = "USD"


class MdfFundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MdfFund

    partner = factory.SubFactory(PartnerFactory)
    period_start = factory.LazyFunction(lambda: date(timezone.localdate().year, 1, 1))
    period_end = factory.LazyFunction(lambda: date(timezone.localdate().year, 12, 31))
    amount = Decimal("20000.00")
    currency = "USD"


class MdfRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MdfRequest

    fund = factory.SubFactory(MdfFundFactory)
    activity_type = "webinar"
    description = "A webinar on SD-WAN for mid-market IT leads."
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=10))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=1))
    planned_cost = Decimal("5000.00")
    expected_leads = 20


class MdfClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MdfClaim

    request = factory.SubFactory(MdfRequestFactory, status="approved")
    amount = Decimal("4500.00")
    description = "Venue and catering."


class BadgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Badge
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Badge {n}")
    description = "Granted by hand."


class AwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Award

    partner = factory.SubFactory(PartnerFactory)
    badge = factory.SubFactory(BadgeFactory)
    reason = "For a great quarter."


def won_deal(partner, amount="12000.00", *, currency="USD", products="", closed_on=None, **fields):
    """A deal of `partner` won for `amount` (its registered amount too), closed on `closed_on` (today by default),
    with any other field of the deal given. The tests of the money make their lines from it through the services."""
    return DealFactory(
        partner=partner,
        status=DealStatus.WON,
        won_amount=Decimal(amount),
        amount=Decimal(amount),
        currency=currency,
        products=products,
        closed_on=closed_on or timezone.localdate(),
        **fields,
    )
