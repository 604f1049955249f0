"""factory_boy factories for every model a test needs. Tests never set up rows with objects.create."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from partners.models import Agreement, AgreementKind, Partner, PartnerStatus, PartnerType, Tier
from prm.accounts.models import ApiKey, User
from prm.accounts.roles import Role

TEST_PASSWORD = "correct-horse-battery-staple"


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Tier {n}")
    rank = factory.Sequence(lambda n: n + 10)
    min_revenue = Decimal("0")
    deal_protection_days = 90
    rebate_percent = Decimal("2.50")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Faker("company")
    domain = factory.Sequence(lambda n: f"partner{n}.example")
    country = "GB"
    city = factory.Faker("city")
    partner_type = PartnerType.RESELLER
    status = PartnerStatus.ACTIVE
    tier = None


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    username = factory.LazyAttribute(lambda o: o.email)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.PARTNER_MANAGER
    partner = None

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or TEST_PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class StaffFactory(UserFactory):
    role = Role.PARTNER_MANAGER


class PartnerUserFactory(UserFactory):
    role = Role.PARTNER_REP
    partner = factory.SubFactory(PartnerFactory)
    email = factory.LazyAttributeSequence(lambda o, n: f"person{n}@{o.partner.domain}")


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    partner = factory.SubFactory(PartnerFactory)
    kind = AgreementKind.RESELLER
    title = "Reseller agreement"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=300))
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))


def make_api_key(owner: User, *, read_only: bool = True, name: str = "integration") -> tuple[ApiKey, str]:
    return ApiKey.objects.create_key(name=name, owner=owner, read_only=read_only)
