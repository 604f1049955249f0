"""The audience rule (prm/audience.py): who among the partners sees program content, and how it is written.
Announcements (partners), courses and resources (onboarding) all go through it."""

import pytest

from onboarding.models import Course
from partners.engage.services import announcement_update
from partners.models import Announcement, PartnerType
from prm.audience import apply_audience, filter_by_audience, pack_codes, split_audience, unpack_codes
from prm.events.models import OutboxEvent

from ..factories import PartnerFactory, TierFactory
from ..onboarding.factories import CourseFactory
from ..partners.factories import AnnouncementFactory


class TestCodes:
    def test_packing_sorts_drops_blanks_and_repeats(self):
        assert pack_codes(["GB", " ie ", "", "GB"]) == ",GB,ie,"
        assert pack_codes([]) == pack_codes(None) == ""

    def test_unpacking_is_the_inverse(self):
        assert unpack_codes(",DE,GB,") == ["DE", "GB"]
        assert unpack_codes("") == []


@pytest.mark.django_db
class TestWhoSees:
    def test_an_empty_audience_is_everyone(self, partner_a, partner_b):
        course = CourseFactory()
        assert list(filter_by_audience(Course.objects.all(), partner_a)) == [course]
        assert list(filter_by_audience(Course.objects.all(), partner_b)) == [course]

    def test_restrictions_combine_with_and(self, partner_a, partner_b, gold_tier):
        # partner_a: Gold, GB, reseller. partner_b: no tier, DE, reseller.
        gold_in_gb = CourseFactory(audience_tiers=[gold_tier], audience_countries=pack_codes(["GB"]))
        CourseFactory(audience_tiers=[gold_tier], audience_countries=pack_codes(["DE"]))
        resellers = CourseFactory(audience_partner_types=pack_codes([PartnerType.RESELLER]))
        msps = CourseFactory(audience_partner_types=pack_codes([PartnerType.MSP, PartnerType.INTEGRATOR]))
        assert set(filter_by_audience(Course.objects.all(), partner_a)) == {gold_in_gb, resellers}
        assert set(filter_by_audience(Course.objects.all(), partner_b)) == {resellers}
        integrator = PartnerFactory(partner_type=PartnerType.INTEGRATOR, country="DE")
        assert set(filter_by_audience(Course.objects.all(), integrator)) == {msps}

    def test_announcements_use_the_same_rule(self, partner_a, partner_b, gold_tier):
        gold_only = AnnouncementFactory(tiers=[gold_tier])
        assert list(filter_by_audience(Announcement.objects.all(), partner_a)) == [gold_only]
        assert list(filter_by_audience(Announcement.objects.all(), partner_b)) == []


@pytest.mark.django_db
class TestWriting:
    def test_split_packs_codes_and_keeps_the_rest(self, gold_tier):
        plain, audience = split_audience(
            {"title": "Pricing", "audience_countries": ["IE", "GB"], "audience_tiers": [gold_tier]}
        )
        assert plain == {"title": "Pricing"}
        assert audience == {"audience_countries": ",GB,IE,", "audience_tiers": [gold_tier]}

    def test_apply_reports_only_what_changed(self, gold_tier):
        course = CourseFactory(audience_countries=pack_codes(["GB"]))
        silver = TierFactory(name="Silver")
        _, audience = split_audience({"audience_countries": ["GB"], "audience_tiers": [gold_tier, silver]})
        assert apply_audience(course, audience) == ["audience_tiers"]
        assert apply_audience(course, audience) == []
        _, everyone = split_audience({"audience_countries": [], "audience_tiers": []})
        assert apply_audience(course, everyone) == ["audience_countries", "audience_tiers"]
        course.refresh_from_db()
        assert (course.audience_countries, list(course.audience_tiers.all())) == ("", [])

    def test_announcements_are_written_through_the_same_helpers(self, manager, gold_tier):
        announcement = AnnouncementFactory()
        data = {"partner_types": [PartnerType.MSP], "countries": ["GB", "IE"], "audience_tiers": [gold_tier]}
        announcement_update(actor=manager, announcement=announcement, data=data)
        announcement_update(actor=manager, announcement=announcement, data=data)  # nothing changes: no event
        announcement.refresh_from_db()
        assert (announcement.partner_types, announcement.countries) == (["msp"], ["GB", "IE"])
        assert list(announcement.audience_tiers.all()) == [gold_tier]
        events = OutboxEvent.objects.filter(name="announcement.updated")
        assert [e.payload["changed"] for e in events] == [
            ["audience_partner_types", "audience_countries", "audience_tiers"]
        ]
