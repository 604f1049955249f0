"""Announcements (audience, schedule, sanitizing, read receipts) and surveys (answers, NPS)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from partners.engage import selectors, services
from partners.models import AnnouncementRead, SurveyResponse
from prm.errors import Conflict

from ..factories import PartnerFactory, PartnerUserFactory, TierFactory
from .factories import AnnouncementFactory, SurveyFactory, SurveyResponseFactory

pytestmark = pytest.mark.django_db

ANNOUNCEMENTS = reverse("announcement-list")
RESPONSES = reverse("surveyresponse-list")


def _titles(response):
    return [a["title"] for a in response.json()["results"]]


class TestAnnouncements:
    def test_the_body_is_sanitized_when_saved(self, api, manager, gold_tier):
        response = api.as_user(manager).post(
            ANNOUNCEMENTS,
            {
                "title": "Q3 launch",
                "body": '<p onclick="x()">Hello <script>alert(1)</script><a href="javascript:alert(1)">x</a></p>',
                "audience_tiers": [gold_tier.pk],
                "audience_partner_types": ["msp", "reseller", "msp"],
                "audience_countries": ["GB"],
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert "<script" not in body["body"] and "onclick" not in body["body"] and "javascript:" not in body["body"]
        assert (body["audience_partner_types"], body["audience_countries"]) == (["msp", "reseller"], ["GB"])

    def test_partners_see_only_what_is_meant_for_them_and_published(self, api, manager, partner_a_rep, partner_b_rep):
        silver = TierFactory(name="Silver", rank=2)
        now = timezone.now()
        AnnouncementFactory(title="Everyone")
        AnnouncementFactory(title="Gold only", tiers=[partner_a_rep.partner.tier])
        AnnouncementFactory(title="Silver only", tiers=[silver])
        AnnouncementFactory(title="MSPs only", partner_types=["msp"])
        AnnouncementFactory(title="Germany", countries=["DE"])
        AnnouncementFactory(title="Next week", publish_at=now + timedelta(days=7))
        AnnouncementFactory(title="Resellers in GB", partner_types=["reseller"], countries=["GB", "FR"])

        assert set(_titles(api.as_user(partner_a_rep).get(ANNOUNCEMENTS))) == {
            "Everyone",
            "Gold only",
            "Resellers in GB",
        }
        assert set(_titles(api.as_user(partner_b_rep).get(ANNOUNCEMENTS))) == {"Everyone", "Germany"}
        assert len(_titles(api.as_user(manager).get(ANNOUNCEMENTS))) == 7

    def test_a_scheduled_announcement_appears_when_its_time_comes(self, api, partner_a_rep):
        scheduled = AnnouncementFactory(title="Soon", publish_at=timezone.now() + timedelta(hours=2))
        client = api.as_user(partner_a_rep)
        detail = reverse("announcement-detail", args=[scheduled.pk])

        assert client.get(detail).status_code == 404
        scheduled.publish_at = timezone.now() - timedelta(minutes=1)
        scheduled.save()
        assert client.get(detail).status_code == 200

    def test_read_receipts(self, api, manager, partner_a_rep, partner_a_admin):
        announcement = AnnouncementFactory()
        url = reverse("announcement-read", args=[announcement.pk])

        assert api.as_user(partner_a_rep).post(url).json() == {"read": True, "first_time": True}
        assert api.as_user(partner_a_rep).post(url).json() == {"read": True, "first_time": False}
        assert api.as_user(partner_a_rep).get(ANNOUNCEMENTS).json()["results"][0]["is_read"] is True
        assert api.as_user(partner_a_admin).get(ANNOUNCEMENTS).json()["results"][0]["is_read"] is False
        assert api.as_user(partner_a_rep).get(ANNOUNCEMENTS).json()["results"][0]["read_count"] is None
        assert api.as_user(manager).get(ANNOUNCEMENTS).json()["results"][0]["read_count"] == 1

    def test_partners_cannot_write(self, api, partner_a_admin):
        response = api.as_user(partner_a_admin).post(ANNOUNCEMENTS, {"title": "x", "body": "y"}, format="json")
        assert response.status_code == 403

    def test_bad_input_is_400_per_field(self, api, manager):
        response = api.as_user(manager).post(
            ANNOUNCEMENTS,
            {"title": "", "body": "<script></script>", "audience_countries": ["XX"], "audience_tiers": [999]},
            format="json",
        )
        assert response.status_code == 400
        assert {"title", "audience_countries", "audience_tiers"} <= set(response.json())
        empty = api.as_user(manager).post(ANNOUNCEMENTS, {"title": "t", "body": "<script>x</script>"}, format="json")
        assert empty.status_code == 400 and "body" in empty.json()

    def test_list_query_count_is_fixed(self, api, manager, partner_a_rep, django_assert_max_num_queries):
        for _ in range(3):
            AnnouncementFactory(tiers=[partner_a_rep.partner.tier])
        with django_assert_max_num_queries(8) as small:
            api.as_user(partner_a_rep).get(ANNOUNCEMENTS)
        for _ in range(15):
            AnnouncementFactory(tiers=[partner_a_rep.partner.tier])
        with django_assert_max_num_queries(8) as large:
            api.as_user(partner_a_rep).get(ANNOUNCEMENTS)
        assert len(small.captured_queries) == len(large.captured_queries)


class TestAnnouncementPages:
    def test_manager_creates_one_for_gold_and_sees_read_counts(self, page_client, manager, partner_a_rep, gold_tier):
        client = page_client.as_user(manager)
        response = client.post(
            reverse("manage:announcement-create"),
            {
                "title": "Gold webinar",
                "kind": "newsletter",
                "body": "<p>Join us</p><script>x</script>",
                "publish_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "audience_tiers": [str(gold_tier.pk)],
            },
        )
        assert response.status_code == 302, response.context["form"].errors
        page = page_client.as_user(partner_a_rep).get(reverse("portal:announcements"))
        [announcement] = page.context["announcements"]
        assert announcement.body == "<p>Join us</p>"

        opened = page_client.as_user(partner_a_rep).get(reverse("portal:announcement-detail", args=[announcement.pk]))
        assert b"Join us" in opened.content
        assert AnnouncementRead.objects.filter(user=partner_a_rep).count() == 1

        listing = page_client.as_user(manager).get(reverse("manage:announcements"))
        assert listing.context["announcements"][0].read_count == 1

    def test_the_portal_home_shows_the_latest_three_unread(self, page_client, partner_a_rep):
        old = AnnouncementFactory(title="Oldest", publish_at=timezone.now() - timedelta(days=9))
        for days in range(1, 5):
            AnnouncementFactory(title=f"News {days}", publish_at=timezone.now() - timedelta(days=days))
        services.announcement_mark_read(actor=partner_a_rep, announcement=AnnouncementFactory(title="Read already"))

        home = page_client.as_user(partner_a_rep).get(reverse("portal:home"))
        assert [a.title for a in home.context["unread_announcements"]] == ["News 1", "News 2", "News 3"]
        assert old.title not in home.content.decode()


class TestSurveys:
    def test_a_partner_user_answers_once_while_open(self, api, partner_a_rep):
        survey = SurveyFactory()
        client = api.as_user(partner_a_rep)

        response = client.post(RESPONSES, {"survey": survey.pk, "score": 9, "comment": "Great"}, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["partner"] == partner_a_rep.partner_id
        assert client.post(RESPONSES, {"survey": survey.pk, "score": 3}, format="json").status_code == 409

        closed = SurveyFactory(closes_on=timezone.localdate() - timedelta(days=1))
        assert client.post(RESPONSES, {"survey": closed.pk, "score": 3}, format="json").status_code == 409

    @pytest.mark.parametrize("score", [-1, 11, "ten"])
    def test_the_score_is_0_to_10(self, api, partner_a_rep, score):
        response = api.as_user(partner_a_rep).post(
            RESPONSES, {"survey": SurveyFactory().pk, "score": score}, format="json"
        )
        assert response.status_code == 400 and "score" in response.json()

    def test_staff_do_not_answer_partner_surveys(self, api, manager):
        assert (
            api.as_user(manager).post(RESPONSES, {"survey": SurveyFactory().pk, "score": 9}, format="json").status_code
            == 403
        )

    def test_partners_see_only_their_own_organizations_answers(
        self, api, partner_a_rep, partner_a_admin, partner_b_rep, manager
    ):
        survey = SurveyFactory()
        mine = SurveyResponseFactory(survey=survey, user=partner_a_rep)
        SurveyResponseFactory(survey=survey, user=partner_b_rep, comment="Bravo's secret")

        assert [r["id"] for r in api.as_user(partner_a_admin).get(RESPONSES).json()["results"]] == [mine.pk]
        assert len(api.as_user(manager).get(RESPONSES).json()["results"]) == 2


def _answers(partner, scores, survey):
    for score in scores:
        SurveyResponseFactory(survey=survey, user=PartnerUserFactory(partner=partner), score=score)


class TestNps:
    def test_satisfaction_index_per_partner_in_one_query(self, partner_a, partner_b, django_assert_num_queries):
        survey = SurveyFactory()
        _answers(partner_a, [10, 9, 8, 6], survey)  # 2 promoters, 1 detractor of 4 -> +25
        _answers(partner_b, [0, 5, 7], survey)  # 0 promoters, 2 detractors of 3 -> -66.7
        quiet = PartnerFactory()

        with django_assert_num_queries(1):
            index = selectors.satisfaction_index()

        assert index[partner_a.pk] == {
            "responses": 4,
            "promoters": 2,
            "passives": 1,
            "detractors": 1,
            "nps": Decimal("25.0"),
        }
        assert index[partner_b.pk]["nps"] == Decimal("-66.7")
        assert quiet.pk not in index
        assert set(selectors.satisfaction_index(partner_ids=[partner_b.pk])) == {partner_b.pk}
        tomorrow = timezone.localdate() + timedelta(days=1)
        assert selectors.satisfaction_index(since=tomorrow) == {}

    def test_survey_results_page(self, page_client, manager, partner_a, partner_b):
        survey = SurveyFactory(title="Spring pulse")
        _answers(partner_a, [10, 10], survey)
        _answers(partner_b, [2], survey)

        page = page_client.as_user(manager).get(reverse("manage:survey-detail", args=[survey.pk]))
        assert page.context["overall"]["nps"] == Decimal("33.3")
        assert [r["partner"].name for r in page.context["by_partner"]] == ["Bravo Systems", "Alpha Networks"]
        listing = page_client.as_user(manager).get(reverse("manage:surveys"))
        assert listing.context["surveys"][0].stats["nps"] == Decimal("33.3")

    @given(st.lists(st.integers(0, 10), max_size=40))
    def test_the_nps_formula(self, scores):
        promoters = sum(s >= 9 for s in scores)
        detractors = sum(s <= 6 for s in scores)
        result = selectors.nps(promoters=promoters, detractors=detractors, responses=len(scores))
        if not scores:
            assert result is None
            return
        expected = Decimal(100) * promoters / len(scores) - Decimal(100) * detractors / len(scores)
        assert abs(result - expected) <= Decimal("0.05")
        assert Decimal(-100) <= result <= Decimal(100)


class TestSurveyPages:
    def test_a_partner_answers_in_the_portal(self, page_client, partner_a_rep):
        survey = SurveyFactory()
        client = page_client.as_user(partner_a_rep)
        assert b'data-testid="open-survey"' in client.get(reverse("portal:home")).content

        bad = client.post(reverse("portal:survey-respond", args=[survey.pk]), {"score": "12"})
        assert bad.status_code == 400
        response = client.post(reverse("portal:survey-respond", args=[survey.pk]), {"score": "8", "comment": "Good"})
        assert response.status_code == 302
        assert SurveyResponse.objects.get().score == 8
        assert b'data-testid="answered"' in client.get(reverse("portal:surveys")).content
        again = client.post(reverse("portal:survey-respond", args=[survey.pk]), {"score": "9"})
        assert again.status_code == 400 and b"already answered" in again.content

    def test_a_manager_starts_a_survey(self, page_client, manager, finance):
        today = timezone.localdate()
        data = {
            "title": "Pulse",
            "question": "Recommend us?",
            "opens_on": today,
            "closes_on": today + timedelta(days=9),
        }
        assert page_client.as_user(manager).post(reverse("manage:surveys"), data).status_code == 302
        page_client.logout()
        assert page_client.as_user(finance).post(reverse("manage:surveys"), data).status_code == 403

    def test_a_survey_cannot_close_before_it_opens(self, page_client, manager):
        today = timezone.localdate()
        data = {"title": "Pulse", "question": "Q", "opens_on": today, "closes_on": today - timedelta(days=1)}
        response = page_client.as_user(manager).post(reverse("manage:surveys"), data)
        assert response.status_code == 400 and "closes_on" in response.context["form"].errors


def test_survey_respond_service_refuses_a_second_answer(partner_a_rep):
    survey = SurveyFactory()
    services.survey_respond(actor=partner_a_rep, survey=survey, score=10)
    with pytest.raises(Conflict):
        services.survey_respond(actor=partner_a_rep, survey=survey, score=1)
