"""Factories for the deals app. A deal's customer row is found or made from its name and domain, as the
registration service does."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from deals.conflicts import customer_key, normalize_name
from deals.models import Customer, Deal, DealAttachment, DealComment, DealStatus, ExchangeRate, Lead, LeadStatus
from partners.services import normalize_domain

from ..factories import PartnerFactory, PartnerUserFactory


def deal_body(**overrides) -> dict:
    """A valid body for POST /api/v1/deals/ (a deal registration), with `overrides` applied."""
    return {
        "customer_name": "Globex Corporation",
        "customer_domain": "globex.example",
        "country": "GB",
        "amount": "125000.00",
        "currency": "EUR",
        "expected_close_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "description": "Firewall refresh; budget confirmed.",
        "products": "Edge gateways",
        **overrides,
    }


def _customer_for(o) -> Customer:
    domain = normalize_domain(o.customer_domain)
    return Customer.objects.get_or_create(
        key=customer_key(o.customer_name, domain),
        defaults={"name": o.customer_name, "name_normalized": normalize_name(o.customer_name), "domain": domain},
    )[0]


class DealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deal

    partner = factory.SubFactory(PartnerFactory)
    registered_by = factory.LazyAttribute(lambda o: PartnerUserFactory(partner=o.partner))
    customer_name = factory.Sequence(lambda n: f"Customer {n} Ltd")
    customer_domain = factory.Sequence(lambda n: f"customer{n}.example")
    customer = factory.LazyAttribute(_customer_for)
    country = "GB"
    amount = Decimal("25000.00")
    currency = "USD"
    expected_close_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))
    status = DealStatus.SUBMITTED

    class Params:
        approved = factory.Trait(
            status=DealStatus.APPROVED,
            protected_until=factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=90)),
            approved_at=factory.LazyFunction(timezone.now),
        )


class DealCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealComment

    deal = factory.SubFactory(DealFactory)
    author = factory.LazyAttribute(lambda o: o.deal.registered_by)
    body = "Met the CIO; a pilot is likely in Q3."


class DealAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealAttachment

    deal = factory.SubFactory(DealFactory)
    name = "proposal.pdf"
    size = 20
    file = factory.django.FileField(filename="proposal.pdf", data=b"%PDF-1.4 test proposal")


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead
        skip_postgeneration_save = True

    customer_name = factory.Sequence(lambda n: f"Lead Prospect {n}")
    customer_domain = factory.Sequence(lambda n: f"prospect{n}.example")
    country = "GB"
    estimated_amount = Decimal("40000.00")
    currency = "USD"
    status = LeadStatus.NEW

    @factory.post_generation
    def offer(obj, create, extracted, **kwargs):
        partner = extracted
        if partner is not None:
            obj.partner = partner
            obj.status = LeadStatus.OFFERED
            obj.offered_at = timezone.now()
            obj.respond_by = obj.respond_by or timezone.now() + timedelta(hours=72)
            if create:
                obj.save()


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExchangeRate
        django_get_or_create = ("currency", "valid_from")

    currency = "EUR"
    rate = Decimal("1.10")
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
