"""Joint business plans: the services (period, one plan per period, targets, KPIs, tenancy, agreement from both
sides, objectives changed → agreed again), progress against the scorecard (values, percent, the pro-rata pace,
risk, the words), the API, and the pages of both portals driven through their forms."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from performance import engine, plans
from performance.models import BusinessPlan, PlanObjective
from performance.periods import Period
from prm.errors import Conflict, NotPermitted
from prm.events.models import OutboxEvent

from ..deals.factories import DealFactory
from .factories import BusinessPlanFactory, PlanObjectiveFactory, ScorecardFactory

pytestmark = pytest.mark.django_db

Q3 = Period.starting("quarter", date(2026, 7, 1))  # 92 days: 1 Jul – 30 Sep 2026
DAY_69 = date(2026, 9, 7)  # the 69th day of Q3: 69 / 92 = 0.75 of the quarter gone


def _quarter():
    return Period.containing("quarter", timezone.localdate())


def _create(actor, partner, **data):
    body = {"title": "Grow the mid-market", "period_kind": "quarter", "period_start": _quarter().start, **data}
    objectives = body.pop("objectives", [{"kpi": "deals_registered", "target": "20", "description": "Register 20"}])
    return plans.business_plan_create(actor=actor, partner=partner, data=body, objectives=objectives)


def _errors(exc_info) -> dict:
    return exc_info.value.message_dict


def _plan_q3(partner, objectives):
    plan = BusinessPlanFactory(partner=partner, period_start=Q3.start, period_end=Q3.end)
    for kpi, target in objectives:
        PlanObjectiveFactory(plan=plan, kpi=kpi, target=Decimal(target), description="")
    return plan


def _scorecard_q3(partner, **kpis):
    return ScorecardFactory(partner=partner, period_start=Q3.start, period_end=Q3.end, kpis=kpis)


# --- services ------------------------------------------------------------------------------------------------


class TestCreate:
    def test_a_manager_creates_a_draft_plan_with_its_objectives_and_an_event(self, manager, partner_a):
        plan = _create(
            manager,
            partner_a,
            objectives=[
                {"kpi": "deals_registered", "target": "20", "description": "Register 20 deals"},
                {"kpi": "revenue_won", "target": "250000", "description": ""},
            ],
        )

        assert (plan.partner, plan.status, plan.created_by) == (partner_a, "draft", manager)
        assert (plan.period_start, plan.period_end) == (_quarter().start, _quarter().end)
        assert {(o.kpi, o.target) for o in plan.objectives.all()} == {
            ("deals_registered", Decimal("20")),
            ("revenue_won", Decimal("250000")),
        }
        event = OutboxEvent.objects.get(name="business_plan.created")
        assert (event.partner_id, event.actor, event.payload["id"]) == (partner_a.pk, manager, plan.pk)
        assert LogEntry.objects.get_for_object(plan).filter(action=LogEntry.Action.CREATE).count() == 1

    def test_a_month_plan_takes_the_months_end(self, manager, partner_a):
        plan = _create(manager, partner_a, period_kind="month", period_start=date(2026, 2, 1))

        assert (plan.period_kind, plan.period_end) == ("month", date(2026, 2, 28))

    @pytest.mark.parametrize("kind,start", [("quarter", date(2026, 2, 1)), ("month", date(2026, 2, 2))])
    def test_a_period_must_start_on_its_first_day(self, manager, partner_a, kind, start):
        with pytest.raises(ValidationError) as exc_info:
            _create(manager, partner_a, period_kind=kind, period_start=start)

        assert "is not one" in _errors(exc_info)["period_start"][0]
        assert not BusinessPlan.objects.exists()

    def test_a_trailing_year_is_no_plan_period(self, manager, partner_a):
        with pytest.raises(ValidationError) as exc_info:
            _create(manager, partner_a, period_kind="ttm")

        assert _errors(exc_info) == {"period_kind": ["A plan is for a month or a quarter."]}

    def test_one_plan_per_partner_and_period_is_a_field_error(self, manager, partner_a, partner_b):
        _create(manager, partner_a)
        _create(manager, partner_b)  # another partner, same quarter: fine

        with pytest.raises(ValidationError) as exc_info:
            _create(manager, partner_a, title="Again")

        assert "already has a plan for" in _errors(exc_info)["period_start"][0]
        assert BusinessPlan.objects.filter(partner=partner_a).count() == 1

    @pytest.mark.parametrize(
        "objectives,message",
        [
            ([{"kpi": "deals_registered", "target": "0"}], "must be more than 0"),
            ([{"kpi": "deals_registered", "target": "-3"}], "must be more than 0"),
            ([{"kpi": "deals_registered", "target": "lots"}], "is not a number"),
            ([{"kpi": "deals_registerd", "target": "3"}], "Unknown KPI"),
            ([{"kpi": "average_sales_cycle_days", "target": "30"}], "shorter is better"),
            ([{"kpi": "deals_won", "target": "3"}, {"kpi": "deals_won", "target": "4"}], "one objective per KPI"),
        ],
    )
    def test_objectives_are_checked(self, manager, partner_a, objectives, message):
        with pytest.raises(ValidationError) as exc_info:
            _create(manager, partner_a, objectives=objectives)

        assert message in _errors(exc_info)["objectives"][0]
        assert not PlanObjective.objects.exists()

    def test_a_partner_admin_writes_only_its_own_partners_plan(self, partner_a_admin, partner_a, partner_b):
        own = _create(partner_a_admin, partner_a)

        with pytest.raises(ValidationError) as exc_info:
            _create(partner_a_admin, partner_b)

        assert own.partner == partner_a
        assert _errors(exc_info) == {"partner": ["Choose the partner the plan is with."]}
        assert not BusinessPlan.objects.filter(partner=partner_b).exists()

    @pytest.mark.parametrize("role", ["partner_a_rep", "finance"])
    def test_reps_and_finance_write_no_plan(self, request, partner_a, role):
        with pytest.raises(NotPermitted):
            _create(request.getfixturevalue(role), partner_a)

        assert not BusinessPlan.objects.exists()


class TestAgree:
    def test_both_sides_agree_then_the_plan_is_agreed(self, manager, partner_a_admin, partner_a):
        plan = _create(manager, partner_a)

        plan = plans.business_plan_agree(actor=partner_a_admin, plan=plan)
        assert (plan.status, plan.manager_agreed_at) == ("draft", None)
        assert plan.partner_agreed_at is not None

        plan = plans.business_plan_agree(actor=manager, plan=plan)
        assert plan.status == "agreed"
        assert plan.manager_agreed_at is not None
        events = OutboxEvent.objects.filter(name="business_plan.agreed").order_by("id")
        assert [(e.payload["side"], e.payload["both"]) for e in events] == [("partner", False), ("manager", True)]

    def test_agreeing_twice_is_a_conflict(self, manager, partner_a):
        plan = plans.business_plan_agree(actor=manager, plan=_create(manager, partner_a))

        with pytest.raises(Conflict, match="already agreed"):
            plans.business_plan_agree(actor=manager, plan=plan)

    def test_another_partners_admin_cannot_agree(self, manager, partner_a, partner_b_admin):
        plan = _create(manager, partner_a)

        with pytest.raises(ValidationError):
            plans.business_plan_agree(actor=partner_b_admin, plan=plan)

        plan.refresh_from_db()
        assert plan.partner_agreed_at is None

    def test_a_rep_cannot_agree(self, manager, partner_a, partner_a_rep):
        plan = _create(manager, partner_a)

        with pytest.raises(NotPermitted):
            plans.business_plan_agree(actor=partner_a_rep, plan=plan)

    def test_a_plan_without_objectives_cannot_be_agreed(self, manager, partner_a):
        plan = _create(manager, partner_a, objectives=[])

        with pytest.raises(ValidationError, match="at least one objective"):
            plans.business_plan_agree(actor=manager, plan=plan)


class TestUpdate:
    def _agreed(self, manager, partner_a_admin, partner_a):
        plan = _create(manager, partner_a)
        plans.business_plan_agree(actor=partner_a_admin, plan=plan)
        return plans.business_plan_agree(actor=manager, plan=plan)

    def test_changing_objectives_of_an_agreed_plan_asks_both_sides_again(self, manager, partner_a_admin, partner_a):
        plan = self._agreed(manager, partner_a_admin, partner_a)

        plan = plans.business_plan_update(
            actor=partner_a_admin,
            plan=plan,
            data={},
            objectives=[{"kpi": "deals_registered", "target": "25"}, {"kpi": "certified_users", "target": "3"}],
        )

        plan.refresh_from_db()
        assert (plan.status, plan.partner_agreed_at, plan.manager_agreed_at) == ("draft", None, None)
        assert sorted((o.kpi, o.target) for o in plan.objectives.all()) == [
            ("certified_users", Decimal("3")),
            ("deals_registered", Decimal("25")),
        ]
        event = OutboxEvent.objects.get(name="business_plan.updated")
        assert (event.payload["changed"], event.payload["agreements_cleared"]) == (["objectives"], True)

    def test_a_new_title_keeps_the_agreement(self, manager, partner_a_admin, partner_a):
        plan = self._agreed(manager, partner_a_admin, partner_a)

        plan = plans.business_plan_update(
            actor=manager,
            plan=plan,
            data={"title": "Grow the enterprise"},
            objectives=[{"kpi": "deals_registered", "target": "20", "description": "Register 20"}],
        )

        plan.refresh_from_db()
        assert (plan.title, plan.status) == ("Grow the enterprise", "agreed")

    def test_the_period_does_not_change(self, manager, partner_a):
        plan = _create(manager, partner_a)
        other = _quarter().shifted(1).start

        with pytest.raises(ValidationError) as exc_info:
            plans.business_plan_update(actor=manager, plan=plan, data={"period_start": other})

        assert "cannot change" in _errors(exc_info)["period_start"][0]

    def test_another_partners_admin_cannot_change_it(self, manager, partner_a, partner_b_admin):
        plan = _create(manager, partner_a)

        with pytest.raises(ValidationError):
            plans.business_plan_update(actor=partner_b_admin, plan=plan, data={"title": "Mine now"})

        plan.refresh_from_db()
        assert plan.title == "Grow the mid-market"


# --- progress ------------------------------------------------------------------------------------------------


class TestProgress:
    def test_behind_the_pro_rata_pace_is_at_risk(self, partner_a):
        plan = _plan_q3(partner_a, [("deals_registered", "20")])
        _scorecard_q3(partner_a, deals_registered=12)

        [objective] = plans.plan_progress(plan, DAY_69)

        assert (objective.value, objective.expected, objective.percent) == (Decimal(12), Decimal(15), Decimal(60))
        assert (objective.at_risk, objective.status, objective.computed) == (True, "at_risk", True)
        assert objective.text == "12 of 20 deals registered — behind the pace of 15 by today"

    def test_ahead_of_the_pace_is_on_track(self, partner_a):
        plan = _plan_q3(partner_a, [("deals_registered", "20")])
        _scorecard_q3(partner_a, deals_registered=16)

        [objective] = plans.plan_progress(plan, DAY_69)

        assert (objective.at_risk, objective.status) == (False, "on_track")
        assert objective.text == "16 of 20 deals registered — on pace (15 expected by today)"

    def test_the_pace_follows_the_days_gone_by(self, partner_a):
        plan = _plan_q3(partner_a, [("deals_registered", "20")])
        _scorecard_q3(partner_a, deals_registered=1)

        first_day = plans.plan_progress(plan, Q3.start)[0]
        before = plans.plan_progress(plan, date(2026, 6, 30))[0]

        assert first_day.expected == (Decimal(20) / 92).quantize(Decimal("0.0001"))  # 1 day of 92
        assert (first_day.at_risk, first_day.status) == (False, "on_track")
        assert (before.expected, before.at_risk, before.status) == (Decimal(0), False, "not_started")
        assert before.text == "1 of 20 deals registered — the quarter starts on 1 Jul 2026"

    def test_over_target_keeps_the_real_percent_and_caps_the_bar(self, partner_a):
        plan = _plan_q3(partner_a, [("deals_registered", "20")])
        _scorecard_q3(partner_a, deals_registered=30)

        [objective] = plans.plan_progress(plan, DAY_69)

        assert (objective.percent, objective.percent_shown, objective.percent_bar) == (Decimal(150), 100, 100)
        assert (objective.status, objective.at_risk) == ("achieved", False)
        assert objective.text == "30 of 20 deals registered — target reached"

    def test_a_period_that_ended_below_target_is_missed(self, partner_a):
        plan = _plan_q3(partner_a, [("deals_registered", "20")])
        _scorecard_q3(partner_a, deals_registered=18)

        [objective] = plans.plan_progress(plan, date(2026, 10, 5))

        assert (objective.expected, objective.at_risk, objective.status) == (Decimal(20), True, "missed")
        assert objective.text == "18 of 20 deals registered — the quarter ended below target"

    def test_no_scorecard_yet_counts_zero_and_says_so(self, partner_a):
        plan = _plan_q3(partner_a, [("certified_users", "3")])

        [objective] = plans.plan_progress(plan, DAY_69)

        assert (objective.value, objective.computed, objective.at_risk) == (Decimal(0), False, True)
        assert objective.text == ("0 of 3 certified users (not computed yet) — behind the pace of 2.3 by today")

    def test_money_and_rates_read_in_words(self, partner_a, settings):
        settings.PRM_PROGRAM_CURRENCY = "USD"
        plan = _plan_q3(partner_a, [("revenue_won", "250000"), ("win_rate", "0.5")])
        _scorecard_q3(partner_a, revenue_won="200000.00", win_rate="0.4000")

        money, rate = plans.plan_progress(plan, DAY_69)

        assert money.text == "200,000 USD of 250,000 USD won — on pace (187,500 USD expected by today)"
        assert rate.text == "Win rate: 40% of 50% — on pace (37.5% expected by today)"

    def test_another_partners_or_periods_scorecard_is_not_read(self, partner_a, partner_b):
        plan = _plan_q3(partner_a, [("deals_registered", "20")])
        _scorecard_q3(partner_b, deals_registered=19)
        ScorecardFactory(
            partner=partner_a, period_kind="month", period_start=Q3.start, period_end=date(2026, 7, 31),
            kpis={"deals_registered": 19},
        )  # fmt: skip

        [objective] = plans.plan_progress(plan, DAY_69)

        assert (objective.value, objective.computed) == (Decimal(0), False)

    def test_progress_is_the_engines_scorecard(self, manager, partner_a):
        plan = _create(manager, partner_a, objectives=[{"kpi": "deals_registered", "target": "4"}])
        DealFactory.create_batch(3, partner=partner_a)

        before = plans.plan_progress(plan)[0]
        engine.recalculate(partner_ids=[partner_a.pk])
        after = plans.plan_progress(plan)[0]

        assert (before.value, before.computed) == (Decimal(0), False)
        assert (after.value, after.computed, after.percent) == (Decimal(3), True, Decimal(75))

    def test_many_plans_cost_one_scorecard_query(self, partner_a, partner_b):
        one = [_plan_q3(partner_a, [("deals_registered", "20"), ("deals_won", "5")])]
        many = [*one, _plan_q3(partner_b, [("deals_registered", "20")])]
        for plan in many:
            _scorecard_q3(plan.partner, deals_registered=5)
        many = list(BusinessPlan.objects.prefetch_related("objectives"))

        with CaptureQueriesContext(connection) as queries:
            result = plans.plans_progress(many, DAY_69)

        assert len(queries) == 1
        assert sorted(len(rows) for rows in result.values()) == [1, 2]


# --- API -----------------------------------------------------------------------------------------------------


def _body(**overrides):
    return {
        "title": "Q plan",
        "period_kind": "quarter",
        "period_start": _quarter().start.isoformat(),
        "objectives": [{"kpi": "deals_registered", "target": "20", "description": "Register 20 deals"}],
        **overrides,
    }


class TestApi:
    def test_a_partner_admin_proposes_a_plan_for_its_own_partner(self, api, partner_a_admin, partner_a):
        response = api.as_user(partner_a_admin).post(reverse("businessplan-list"), _body(), format="json")

        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["partner"], body["status"], body["period_end"]) == (
            partner_a.pk,
            "draft",
            _quarter().end.isoformat(),
        )
        [objective] = body["objectives"]
        assert (objective["kpi"], objective["target"], objective["computed"], objective["value"]) == (
            "deals_registered",
            "20.0000",
            False,
            "0.0000",
        )
        assert objective["text"].startswith("0 of 20 deals registered (not computed yet)")

    def test_another_partners_id_in_the_body_is_refused(self, api, partner_a_admin, partner_b):
        response = api.as_user(partner_a_admin).post(
            reverse("businessplan-list"), _body(partner=partner_b.pk), format="json"
        )

        assert response.status_code == 400
        assert "partner" in response.json()
        assert not BusinessPlan.objects.exists()

    def test_a_rep_reads_but_cannot_write(self, api, partner_a_rep, partner_a):
        plan = BusinessPlanFactory(partner=partner_a)
        client = api.as_user(partner_a_rep)

        assert client.get(reverse("businessplan-detail", args=[plan.pk])).status_code == 200
        assert client.post(reverse("businessplan-list"), _body(), format="json").status_code == 403
        assert client.post(reverse("businessplan-agree", args=[plan.pk])).status_code == 403

    def test_bad_period_and_duplicates_are_field_errors(self, api, manager, partner_a):
        client = api.as_user(manager)
        bad = client.post(
            reverse("businessplan-list"), _body(partner=partner_a.pk, period_start="2026-02-01"), format="json"
        )
        first = client.post(reverse("businessplan-list"), _body(partner=partner_a.pk), format="json")
        again = client.post(reverse("businessplan-list"), _body(partner=partner_a.pk), format="json")
        no_partner = client.post(reverse("businessplan-list"), _body(), format="json")
        zero = client.post(
            reverse("businessplan-list"),
            _body(partner=partner_a.pk, objectives=[{"kpi": "deals_won", "target": "0"}]),
            format="json",
        )

        assert (bad.status_code, list(bad.json())) == (400, ["period_start"])
        assert first.status_code == 201
        assert (again.status_code, list(again.json())) == (400, ["period_start"])
        assert (no_partner.status_code, list(no_partner.json())) == (400, ["partner"])
        assert (zero.status_code, list(zero.json())) == (400, ["objectives"])

    def test_partners_see_only_their_own_plans_and_filters_apply(
        self, api, manager, partner_a_admin, partner_a, partner_b
    ):
        own = BusinessPlanFactory(partner=partner_a)
        theirs = BusinessPlanFactory(partner=partner_b, status="agreed")
        previous = _quarter().previous()
        old = BusinessPlanFactory(partner=partner_a, period_start=previous.start, period_end=previous.end)

        def ids(user, **params):
            response = api.as_user(user).get(reverse("businessplan-list"), params)
            assert response.status_code == 200, response.content
            return sorted(row["id"] for row in response.json()["results"])

        assert ids(partner_a_admin) == sorted([own.pk, old.pk])
        assert ids(manager) == sorted([own.pk, theirs.pk, old.pk])
        assert ids(manager, partner=partner_b.pk) == [theirs.pk]
        assert ids(manager, status="agreed") == [theirs.pk]
        assert ids(manager, period_start=previous.start.isoformat()) == [old.pk]
        detail = api.as_user(partner_a_admin).get(reverse("businessplan-detail", args=[theirs.pk]))
        assert detail.status_code == 404

    def test_the_list_reads_every_scorecard_in_one_query(self, api, manager, partner_a, partner_b):
        client = api.as_user(manager)
        PlanObjectiveFactory(plan=BusinessPlanFactory(partner=partner_a))
        with CaptureQueriesContext(connection) as one:
            client.get(reverse("businessplan-list"))
        for partner in (partner_b, partner_a):
            previous = _quarter().previous()
            plan = BusinessPlanFactory(partner=partner, period_start=previous.start, period_end=previous.end)
            PlanObjectiveFactory(plan=plan)
        PlanObjectiveFactory(plan=BusinessPlanFactory(partner=partner_b), kpi="deals_won")

        with CaptureQueriesContext(connection) as four:
            response = client.get(reverse("businessplan-list"))

        assert response.json()["count"] == 4
        assert len(four) == len(one)

    def test_agree_from_both_sides_then_a_change_of_objectives_asks_again(
        self, api, manager, partner_a_admin, partner_a
    ):
        plan = PlanObjectiveFactory(plan=BusinessPlanFactory(partner=partner_a)).plan
        url = reverse("businessplan-agree", args=[plan.pk])

        first = api.as_user(partner_a_admin).post(url)
        second = api.as_user(manager).post(url)
        again = api.as_user(manager).post(url)
        changed = api.as_user(manager).patch(
            reverse("businessplan-detail", args=[plan.pk]),
            {"objectives": [{"kpi": "deals_registered", "target": "30"}]},
            format="json",
        )

        assert (first.status_code, first.json()["status"]) == (200, "draft")
        assert (second.status_code, second.json()["status"]) == (200, "agreed")
        assert again.status_code == 409
        assert changed.status_code == 200, changed.content
        assert (changed.json()["status"], changed.json()["partner_agreed_at"]) == ("draft", None)
        assert [o["target"] for o in changed.json()["objectives"]] == ["30.0000"]

    def test_a_title_patch_keeps_the_objectives(self, api, manager, partner_a):
        plan = PlanObjectiveFactory(plan=BusinessPlanFactory(partner=partner_a)).plan

        response = api.as_user(manager).patch(
            reverse("businessplan-detail", args=[plan.pk]), {"title": "Renamed"}, format="json"
        )

        assert response.status_code == 200, response.content
        assert response.json()["title"] == "Renamed"
        assert [o["kpi"] for o in response.json()["objectives"]] == ["deals_registered"]


# --- pages ---------------------------------------------------------------------------------------------------


def _form(**overrides):
    data = {
        "title": "Grow the mid-market",
        "period_kind": "quarter",
        "period_start": _quarter().start.isoformat(),
        "notes": "Two joint webinars.",
        "kpi_0": "deals_registered",
        "target_0": "20",
        "description_0": "Register 20 deals",
        "kpi_1": "certified_users",
        "target_1": "3",
        "description_1": "Certify 3 reps",
    }
    data.update(overrides)
    return data


class TestManagerPages:
    def test_a_manager_creates_a_plan_through_the_form(self, page_client, manager, partner_a):
        client = page_client.as_user(manager)
        assert client.get(reverse("manage:plan-create")).status_code == 200

        response = client.post(reverse("manage:plan-create"), _form(partner=partner_a.pk), follow=True)

        plan = BusinessPlan.objects.get()
        assert response.redirect_chain[-1][0] == reverse("manage:plan-detail", args=[plan.pk])
        assert (plan.partner, plan.notes) == (partner_a, "Two joint webinars.")
        assert sorted(o.kpi for o in plan.objectives.all()) == ["certified_users", "deals_registered"]
        text = response.content.decode()
        assert "0 of 20 deals registered (not computed yet)" in text
        assert 'data-testid="agree"' in text

    def test_an_objective_rows_error_is_shown_on_that_row(self, page_client, manager, partner_a):
        response = page_client.as_user(manager).post(
            reverse("manage:plan-create"), _form(partner=partner_a.pk, target_1="0")
        )

        assert response.status_code == 400
        assert response.context["form"].errors["target_1"] == [
            "Objective 2: Ensure this value is greater than or equal to 0.0001."
        ]
        assert not BusinessPlan.objects.exists()

    def test_a_second_plan_for_the_period_is_an_error_on_the_form(self, page_client, manager, partner_a):
        BusinessPlanFactory(partner=partner_a)

        response = page_client.as_user(manager).post(reverse("manage:plan-create"), _form(partner=partner_a.pk))

        assert response.status_code == 400
        assert "already has a plan for" in response.context["form"].errors["period_start"][0]

    def test_the_detail_shows_progress_and_the_risk(self, page_client, manager, partner_a):
        plan = BusinessPlanFactory(partner=partner_a)
        PlanObjectiveFactory(plan=plan, kpi="deals_registered", target=Decimal("1000"))
        ScorecardFactory(partner=partner_a, kpis={"deals_registered": 0})

        response = page_client.as_user(manager).get(reverse("manage:plan-detail", args=[plan.pk]))

        text = response.content.decode()
        assert response.status_code == 200
        assert "0 of 1,000 deals registered" in text
        assert 'data-testid="at-risk"' in text
        assert "From the scorecard computed" in text

    def test_the_list_filters_sorts_and_exports_what_it_shows(self, page_client, manager, partner_a, partner_b):
        a = PlanObjectiveFactory(plan=BusinessPlanFactory(partner=partner_a, title="Alpha plan")).plan
        b = BusinessPlanFactory(partner=partner_b, title="Bravo plan", status="agreed")
        client = page_client.as_user(manager)

        everything = client.get(reverse("manage:plan-list"), {"sort": "partner"})
        agreed = client.get(reverse("manage:plan-list"), {"status": "agreed"})
        export = client.get(reverse("manage:plan-export"), {"search": "alpha"})

        assert [p.pk for p in everything.context["page"].object_list] == [a.pk, b.pk]
        assert [p.pk for p in agreed.context["page"].object_list] == [b.pk]
        rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
        assert [(r["plan_id"], r["partner"], r["kpi"], r["target"]) for r in rows] == [
            (str(a.pk), "Alpha Networks", "deals_registered", "20.0000")
        ]

    def test_the_list_page_costs_the_same_queries_for_one_plan_or_many(
        self, page_client, manager, partner_a, partner_b
    ):
        client = page_client.as_user(manager)
        PlanObjectiveFactory(plan=BusinessPlanFactory(partner=partner_a))
        client.get(reverse("manage:plan-list"))  # session and content types warmed up
        with CaptureQueriesContext(connection) as one:
            client.get(reverse("manage:plan-list"))
        previous = _quarter().previous()
        for partner in (partner_a, partner_b):
            plan = BusinessPlanFactory(partner=partner, period_start=previous.start, period_end=previous.end)
            PlanObjectiveFactory(plan=plan)
            PlanObjectiveFactory(plan=plan, kpi="deals_won")
        ScorecardFactory(partner=partner_b)

        with CaptureQueriesContext(connection) as three:
            response = client.get(reverse("manage:plan-list"))

        assert len(response.context["page"].object_list) == 3
        assert len(three) == len(one)

    def test_editing_the_objectives_of_an_agreed_plan_puts_it_back_to_draft(self, page_client, manager, partner_a):
        plan = PlanObjectiveFactory(plan=BusinessPlanFactory(partner=partner_a, status="agreed")).plan
        BusinessPlan.objects.filter(pk=plan.pk).update(
            partner_agreed_at=timezone.now(), manager_agreed_at=timezone.now()
        )
        client = page_client.as_user(manager)
        form = client.get(reverse("manage:plan-edit", args=[plan.pk])).context["form"]
        assert (form["kpi_0"].value(), form["target_0"].value()) == ("deals_registered", "20")

        response = client.post(
            reverse("manage:plan-edit", args=[plan.pk]),
            {"title": plan.title, "notes": "", "kpi_0": "deals_registered", "target_0": "25"},
        )

        plan.refresh_from_db()
        assert response.status_code == 302
        assert (plan.status, plan.partner_agreed_at) == ("draft", None)
        assert [o.target for o in plan.objectives.all()] == [Decimal("25")]


class TestPortalPages:
    def test_a_partner_admin_proposes_and_agrees_then_the_manager_agrees(
        self, page_client, partner_a_admin, manager, partner_a
    ):
        client = page_client.as_user(partner_a_admin)
        response = client.post(reverse("portal:plan-create"), _form(), follow=True)
        plan = BusinessPlan.objects.get()
        assert plan.partner == partner_a
        assert response.redirect_chain[-1][0] == reverse("portal:plan-detail", args=[plan.pk])

        agreed = client.post(reverse("portal:plan-agree", args=[plan.pk]), follow=True)
        assert "it is agreed once your partner manager agrees too" in agreed.content.decode()
        assert 'data-testid="agree"' not in agreed.content.decode()

        done = page_client.as_user(manager).post(reverse("manage:plan-agree", args=[plan.pk]), follow=True)
        plan.refresh_from_db()
        assert plan.status == "agreed"
        assert "Both sides have agreed" in done.content.decode()

    def test_a_rep_reads_the_plan_but_cannot_change_it(self, page_client, partner_a_rep, partner_a):
        plan = PlanObjectiveFactory(plan=BusinessPlanFactory(partner=partner_a)).plan
        client = page_client.as_user(partner_a_rep)

        listed = client.get(reverse("portal:plan-list"))
        detail = client.get(reverse("portal:plan-detail", args=[plan.pk]))

        assert [p.pk for p in listed.context["page"].object_list] == [plan.pk]
        assert 'data-testid="new-plan"' not in listed.content.decode()
        assert detail.status_code == 200
        assert "Register 20 deals" in detail.content.decode()
        assert 'data-testid="agree"' not in detail.content.decode()
        assert 'data-testid="edit-plan"' not in detail.content.decode()
        assert client.post(reverse("portal:plan-agree", args=[plan.pk])).status_code == 403
        assert client.get(reverse("portal:plan-create")).status_code == 403
        assert client.post(reverse("portal:plan-edit", args=[plan.pk]), {"title": "x"}).status_code == 403
        plan.refresh_from_db()
        assert (plan.partner_agreed_at, plan.title) == (None, "Grow the mid-market")

    def test_another_partner_gets_404(self, page_client, partner_b_admin, partner_a):
        plan = PlanObjectiveFactory(plan=BusinessPlanFactory(partner=partner_a)).plan
        client = page_client.as_user(partner_b_admin)

        assert client.get(reverse("portal:plan-detail", args=[plan.pk])).status_code == 404
        assert client.get(reverse("portal:plan-edit", args=[plan.pk])).status_code == 404
        assert client.post(reverse("portal:plan-agree", args=[plan.pk])).status_code == 404
        assert list(client.get(reverse("portal:plan-list")).context["page"].object_list) == []
        plan.refresh_from_db()
        assert plan.partner_agreed_at is None

    def test_the_partners_form_has_no_partner_field(self, page_client, partner_a_admin):
        response = page_client.as_user(partner_a_admin).get(reverse("portal:plan-create"))

        assert response.status_code == 200
        assert "partner" not in response.context["form"].fields
