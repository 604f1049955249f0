"""Factories for recruit (applications, criteria, scores) and engage (announcements, surveys, responses)."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from partners.models import (
    Announcement,
    Application,
    ApplicationScore,
    Case,
    CaseKind,
    CaseMessage,
    PartnerType,
    ScreeningCriterion,
    Survey,
    SurveyResponse,
)

from ..factories import PartnerFactory, PartnerUserFactory


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    company_name = factory.Faker("company")
    domain = factory.Sequence(lambda n: f"applicant{n}.example")
    country = "FR"
    partner_type = PartnerType.RESELLER
    contact_name = factory.Faker("name")
    contact_email = factory.LazyAttributeSequence(lambda o, n: f"contact{n}@{o.domain}")
    expected_annual_revenue = Decimal("250000")
    customer_segments = factory.LazyFunction(lambda: ["smb", "mid_market"])
    regions_covered = factory.LazyFunction(lambda: ["western_europe"])
    certified_staff = 3


class ScreeningCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScreeningCriterion
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = 1
    position = factory.Sequence(lambda n: n)


class ApplicationScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationScore

    application = factory.SubFactory(ApplicationFactory)
    criterion = factory.SubFactory(ScreeningCriterionFactory)
    score = 3


class AnnouncementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Announcement
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Announcement {n}")
    body = "<p>News for partners.</p>"
    publish_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))

    @factory.post_generation
    def tiers(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.audience_tiers.set(extracted)


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    title = factory.Sequence(lambda n: f"Satisfaction survey {n}")
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=5))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=25))


class SurveyResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyResponse

    survey = factory.SubFactory(SurveyFactory)
    user = factory.SubFactory(PartnerUserFactory)
    partner = factory.LazyAttribute(lambda o: o.user.partner)
    score = 9


class CaseFactory(factory.django.DjangoModelFactory):
    """A dispute opened by one of the partner's users, due in 5 days."""

    class Meta:
        model = Case

    partner = factory.SubFactory(PartnerFactory)
    opened_by = factory.LazyAttribute(lambda o: PartnerUserFactory(partner=o.partner))
    kind = CaseKind.OTHER
    subject = factory.Sequence(lambda n: f"Dispute {n}")
    description = "We disagree with this decision."
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=5))


class CaseMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseMessage

    case = factory.SubFactory(CaseFactory)
    author = factory.LazyAttribute(lambda o: o.case.opened_by)
    body = "Any news on this?"
    internal = False
