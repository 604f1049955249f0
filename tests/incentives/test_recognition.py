"""Recognition: rule badges granted once (a second run adds nothing), by hand by managers only, shown on the portal
home and the partner page; leaderboards ranked from the scorecards of one period, the same board for everyone."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import DealStatus
from deals.services import deal_win
from incentives.models import Award, Badge, BadgeRule
from incentives.recognition import award_grant, badges_grant_by_rule, leaderboard
from performance.periods import Period
from prm.errors import Conflict, NotPermitted
from prm.events.models import OutboxEvent

from ..deals.factories import DealFactory
from ..factories import PartnerFactory, PartnerUserFactory
from ..onboarding.factories import CertificationFactory
from ..performance.factories import ScorecardFactory
from .factories import AwardFactory, BadgeFactory

TODAY = timezone.localdate()
QUARTER = Period.containing("quarter", TODAY)


def _won(partner, n=1):
    return [
        DealFactory(partner=partner, status=DealStatus.WON, won_amount=Decimal("1000"), closed_on=TODAY)
        for _ in range(n)
    ]


def _badges(partner):
    return sorted(Award.objects.filter(partner=partner).values_list("badge__name", flat=True))


def test_rules_grant_each_badge_once_and_a_second_run_adds_nothing(partner_a, partner_b):
    _won(partner_a, 10)
    _won(partner_b, 1)
    for _ in range(10):
        CertificationFactory(user=PartnerUserFactory(partner=partner_b))
    ScorecardFactory(partner=partner_a, score=Decimal("85.00"))
    ScorecardFactory(partner=partner_b, score=Decimal("79.99"))

    made = badges_grant_by_rule()

    assert _badges(partner_a) == ["10 deals won", "First deal won", "Top scorer"]
    assert _badges(partner_b) == ["10 certified users", "First deal won"]
    assert made == 5
    assert OutboxEvent.objects.filter(name="award.granted").count() == 5
    assert set(Badge.objects.exclude(rule=BadgeRule.BY_HAND).values_list("name", flat=True)) == {
        "First deal won", "10 deals won", "10 certified users", "Million seller", "Top scorer",
    }  # fmt: skip

    assert badges_grant_by_rule() == 0
    assert Award.objects.count() == 5
    assert OutboxEvent.objects.filter(name="award.granted").count() == 5


def test_expired_certifications_and_other_partners_do_not_count(partner_a):
    for _ in range(9):
        CertificationFactory(user=PartnerUserFactory(partner=partner_a))
    CertificationFactory(
        user=PartnerUserFactory(partner=partner_a), issued_on=TODAY.replace(year=TODAY.year - 2),
        expires_on=TODAY.replace(year=TODAY.year - 1),
    )  # fmt: skip
    CertificationFactory(user=PartnerUserFactory(partner=PartnerFactory()))

    badges_grant_by_rule(partner_ids=[partner_a.pk])

    assert _badges(partner_a) == []


def test_a_won_deal_grants_its_partner_the_first_deal_badge_through_the_outbox(
    partner_a, django_capture_on_commit_callbacks
):
    deal = DealFactory(partner=partner_a, approved=True)
    with django_capture_on_commit_callbacks(execute=True):
        deal_win(actor=deal.registered_by, deal=deal, amount=Decimal("5000.00"), closed_on=TODAY)

    assert _badges(partner_a) == ["First deal won"]


def test_a_manager_grants_a_badge_by_hand_once(manager, partner_a, partner_a_admin):
    badge = BadgeFactory(name="Partner of the year")

    award = award_grant(actor=manager, partner=partner_a, badge=badge, reason="Best launch of 2026")

    assert (award.granted_by, award.reason) == (manager, "Best launch of 2026")
    assert OutboxEvent.objects.filter(name="award.granted", aggregate_id=str(award.pk)).exists()
    with pytest.raises(Conflict, match="Alpha Networks already holds “Partner of the year”"):
        award_grant(actor=manager, partner=partner_a, badge=badge)
    with pytest.raises(NotPermitted):
        award_grant(actor=partner_a_admin, partner=partner_a, badge=BadgeFactory(name="Self-made"))


def test_the_leaderboard_ranks_by_the_metric_of_the_period(manager):
    low, high, mid = (PartnerFactory(name=n) for n in ("Low", "High", "Mid"))
    ScorecardFactory(partner=low, revenue_won=Decimal("1000"), score=Decimal("90"),
                     trend={"kpis": {"revenue_won": "900"}})  # fmt: skip
    ScorecardFactory(partner=high, revenue_won=Decimal("50000"), score=Decimal("40"),
                     trend={"kpis": {"revenue_won": "-5000"}})  # fmt: skip
    ScorecardFactory(partner=mid, revenue_won=Decimal("20000"), score=Decimal("60"), trend={},
                     kpis={"revenue_won": "20000", "active_certifications": 7})  # fmt: skip
    last = QUARTER.previous()
    ScorecardFactory(partner=low, period_start=last.start, period_end=last.end, revenue_won=Decimal("99999"))

    by_revenue = leaderboard(actor=manager, metric="revenue_won")
    assert [(r.rank, r.partner.name) for r in by_revenue.rows] == [(1, "High"), (2, "Mid"), (3, "Low")]
    assert [r.partner.name for r in leaderboard(actor=manager, metric="score").rows] == ["Low", "Mid", "High"]
    growth = leaderboard(actor=manager, metric="growth").rows  # a first scorecard has no growth: not ranked
    assert [(r.partner.name, r.value) for r in growth] == [("Low", Decimal("900")), ("High", Decimal("-5000"))]

    certified = leaderboard(actor=manager, metric="certifications").rows  # only Mid's scorecard counts them
    assert [(r.partner.name, r.value) for r in certified] == [("Mid", Decimal("7"))]

    previous = leaderboard(actor=manager, metric="revenue_won", period_kind="quarter", period_start=last.start)
    assert [(r.partner.name, r.value) for r in previous.rows] == [("Low", Decimal("99999.00"))]
    assert leaderboard(actor=manager, metric="revenue_won", limit=2).rows[-1].partner.name == "Mid"


def test_a_partner_sees_the_same_board_with_its_own_row_even_outside_the_top(partner_a, partner_a_rep, page_client):
    for n in range(3):
        ScorecardFactory(partner=PartnerFactory(name=f"Top {n}"), revenue_won=Decimal(90000 - n))
    ScorecardFactory(partner=partner_a, revenue_won=Decimal("10"))

    board = leaderboard(actor=partner_a_rep, limit=2)
    assert [r.partner.name for r in board.rows] == ["Top 0", "Top 1"]
    assert (board.own.partner, board.own.rank) == (partner_a, 4)

    page = page_client.as_user(partner_a_rep).get(reverse("portal:leaderboard"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Top 2" in text and "Every partner sees this board" in text
    assert text.count('data-own="1"') == 1


def test_the_manager_page_filters_and_grants_and_says_what_is_wrong(manager, partner_a, page_client):
    ScorecardFactory(partner=partner_a, revenue_won=Decimal("12345"))
    badge = BadgeFactory(name="Partner of the year")
    client = page_client.as_user(manager)
    url = reverse("manage:leaderboard")

    page = client.get(url, {"metric": "revenue_won", "period": "quarter", "period_start": "", "bogus": "1"})
    assert page.status_code == 200 and "Alpha Networks" in page.content.decode()
    assert "12,345.00 USD" in page.content.decode()
    bad = client.get(url, {"metric": "nonsense", "period_start": "2026-13-45"})
    assert bad.status_code == 200 and 'data-testid="filter-errors"' in bad.content.decode()
    empty = client.get(url, {"period": "month", "period_start": QUARTER.previous().start.isoformat()})
    assert "No scorecards for this period yet." in empty.content.decode()

    granted = client.post(
        reverse("manage:award-grant") + "?metric=score", {"partner": partner_a.pk, "badge": badge.pk, "reason": ""}
    )
    assert (granted.status_code, granted.url) == (302, url + "?metric=score")
    again = client.post(reverse("manage:award-grant"), {"partner": partner_a.pk, "badge": badge.pk})
    assert again.status_code == 400
    assert again.content.decode().count("Alpha Networks already holds “Partner of the year”.") == 1


def test_pages_as_each_role(partner_a, partner_a_rep, partner_b_admin, finance, page_client):
    assert page_client.as_user(partner_a_rep).get(reverse("manage:leaderboard")).status_code == 403
    assert page_client.as_user(finance).get(reverse("manage:leaderboard")).status_code == 200
    finance_grant = page_client.as_user(finance).post(reverse("manage:award-grant"), {"partner": partner_a.pk})
    assert finance_grant.status_code == 403
    assert page_client.as_user(partner_b_admin).get(reverse("portal:leaderboard")).status_code == 200


def test_badges_show_on_the_portal_home_and_the_partner_page(partner_a, partner_a_rep, manager, page_client):
    AwardFactory(partner=partner_a, badge=BadgeFactory(name="First deal won"))
    AwardFactory(partner=PartnerFactory(), badge=BadgeFactory(name="Someone else's"))

    home = page_client.as_user(partner_a_rep).get(reverse("portal:home")).content.decode()
    assert "First deal won" in home and "Someone else" not in home
    detail = page_client.as_user(manager).get(reverse("manage:partner-detail", args=[partner_a.pk])).content.decode()
    assert 'data-testid="badges"' in detail and "First deal won" in detail


def test_the_leaderboard_api_answers_the_same_board_and_refuses_bad_parameters(partner_a, partner_b_admin, api):
    ScorecardFactory(partner=partner_a, revenue_won=Decimal("12345"))
    ScorecardFactory(partner=PartnerFactory(name="Second"), revenue_won=Decimal("100"))
    client = api.as_user(partner_b_admin)

    body = client.get("/api/v1/leaderboards/", {"metric": "revenue_won", "period": "quarter"}).json()
    assert [(r["rank"], r["partner_name"], r["value"]) for r in body["rows"]] == [
        (1, "Alpha Networks", "12345.00"), (2, "Second", "100.00"),
    ]  # fmt: skip
    assert (body["period_start"], body["own"]) == (QUARTER.start.isoformat(), None)
    assert client.get("/api/v1/leaderboards/", {"metric": "bogus"}).status_code == 400
    assert client.get("/api/v1/leaderboards/", {"period_start": "2026-13-45"}).status_code == 400
    assert client.get("/api/v1/leaderboards/", {"limit": "0"}).status_code == 400


def test_the_awards_api_partners_read_their_own_managers_grant(partner_a, partner_b, partner_a_admin, manager, api):
    badge = BadgeFactory(name="Partner of the year")
    AwardFactory(partner=partner_b, badge=BadgeFactory(name="Bravo's"))

    created = api.as_user(manager).post("/api/v1/awards/", {"partner": partner_a.pk, "badge": badge.pk}, format="json")
    assert created.status_code == 201 and created.json()["badge_name"] == "Partner of the year"
    again = api.as_user(manager).post("/api/v1/awards/", {"partner": partner_a.pk, "badge": badge.pk}, format="json")
    assert again.status_code == 409

    mine = api.as_user(partner_a_admin).get("/api/v1/awards/").json()
    rows = mine["results"] if isinstance(mine, dict) else mine
    assert [row["badge_name"] for row in rows] == ["Partner of the year"]
    refused = api.as_user(partner_a_admin).post(
        "/api/v1/awards/", {"partner": partner_a.pk, "badge": badge.pk}, format="json"
    )
    assert refused.status_code == 403


def test_the_daily_job_is_on_the_beat_schedule_and_grants(partner_a):
    from incentives.recognition import grant_badges
    from prm.settings.base import CELERY_BEAT_SCHEDULE

    assert CELERY_BEAT_SCHEDULE["incentives-grant-badges"]["task"] == grant_badges.name == "incentives.grant_badges"
    _won(partner_a)
    assert grant_badges.delay().get() == 1
    assert grant_badges.delay().get() == 0
