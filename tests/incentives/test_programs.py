"""Incentive programs and accrual lines: the services (each kind's rule checked in words, the budget cap never below
what is committed, the audience, events and audit), the recomputation task, finance's adjustments, the API as each
role (a partner reads only the programs it is eligible for and its own lines) and the manager's and partner's
pages driven through their filters and forms."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from deals.models import DealStatus
from incentives import program_services as services
from incentives.models import Accrual, AccrualKind, IncentiveProgram
from prm.errors import NotPermitted
from prm.events.models import OutboxEvent

from ..deals.factories import DealFactory
from ..factories import TierFactory
from .factories import AccrualFactory, IncentiveProgramFactory

pytestmark = pytest.mark.django_db

TODAY = date.today()


def _data(**overrides):
    return {"name": "Gold rebate", "kind": "rebate", "rate_percent": Decimal("5"), "starts_on": TODAY, **overrides}


def _errors(exc_info) -> dict:
    return exc_info.value.message_dict


def _won(partner, amount="12000.00", closed_on=TODAY):
    return DealFactory(
        partner=partner, status=DealStatus.WON, won_amount=Decimal(amount), amount=Decimal(amount), closed_on=closed_on
    )


# --- services ------------------------------------------------------------------------------------------------


class TestProgramCreate:
    def test_a_rebate_for_one_tier_is_saved_with_its_audience_an_event_and_an_audit_entry(
        self, program_admin, gold_tier
    ):
        program = services.program_create(
            actor=program_admin,
            data=_data(audience_tiers=[gold_tier], audience_partner_types=["reseller"], audience_countries=["GB"]),
        )

        assert (program.kind, program.rate_percent, program.created_by) == ("rebate", Decimal("5"), program_admin)
        assert list(program.audience_tiers.all()) == [gold_tier]
        assert (program.partner_type_list, program.country_list) == (["reseller"], ["GB"])
        event = OutboxEvent.objects.get(name="incentive_program.created")
        assert (event.payload["id"], event.actor, event.partner_id) == (program.pk, program_admin, None)
        assert LogEntry.objects.get_for_object(program).filter(action=LogEntry.Action.CREATE).count() == 1

    def test_a_rebate_rate_outside_0_to_100_is_refused_in_words(self, program_admin):
        with pytest.raises(ValidationError) as exc:
            services.program_create(actor=program_admin, data=_data(rate_percent=Decimal("150")))
        assert _errors(exc)["rate_percent"] == [
            "A rebate's rate is a percent from 0 to 100, or empty to pay each partner its tier's rebate percent."
        ]

    def test_an_empty_rebate_rate_means_the_tiers_percent(self, program_admin):
        program = services.program_create(actor=program_admin, data=_data(rate_percent=None))
        assert program.rate_percent is None
        assert services.program_rule_text(program) == "Your tier's rebate percent of won revenue."

    def test_a_spiff_needs_an_amount_and_a_real_currency(self, program_admin):
        with pytest.raises(ValidationError) as exc:
            services.program_create(actor=program_admin, data=_data(kind="spiff", rate_percent=None))
        assert _errors(exc) == {
            "amount": ["A SPIFF needs an amount above zero, paid per qualifying won deal."],
            "currency": ["A SPIFF needs the currency of its amount (for example USD)."],
        }
        with pytest.raises(ValidationError) as exc:
            services.program_create(
                actor=program_admin, data=_data(kind="spiff", amount=Decimal("250"), currency="XYZ")
            )
        assert _errors(exc)["currency"] == ["“XYZ” is not an ISO 4217 currency code (for example USD, EUR, GBP)."]

    def test_a_spiff_keeps_only_its_own_fields(self, program_admin):
        program = services.program_create(
            actor=program_admin,
            data=_data(kind="spiff", amount=Decimal("250"), currency="usd", products="SD-WAN, firewall"),
        )
        assert (program.rate_percent, program.currency, program.thresholds) == (None, "USD", [])
        assert services.program_rule_text(program) == "250.00 USD per won deal with SD-WAN or firewall."

    @pytest.mark.parametrize(
        ("thresholds", "message"),
        [
            ([], "A volume bonus needs at least one threshold: a minimum quarterly revenue and its percent."),
            ([{"min_revenue": "0", "percent": "1"}], "Threshold 1: the minimum revenue must be above zero."),
            (
                [{"min_revenue": "1000", "percent": "1"}, {"min_revenue": "5000", "percent": "101"}],
                "Threshold 2: the percent must be from 0 to 100.",
            ),
            (
                [{"min_revenue": "100000", "percent": "1"}, {"min_revenue": "100000.00", "percent": "2"}],
                "Two thresholds start at the same revenue (100,000.00 USD): each minimum revenue pays one percent.",
            ),
        ],
    )
    def test_volume_bonus_thresholds_are_checked(self, program_admin, thresholds, message):
        with pytest.raises(ValidationError) as exc:
            services.program_create(
                actor=program_admin, data=_data(kind="volume_bonus", rate_percent=None, thresholds=thresholds)
            )
        assert _errors(exc)["thresholds"] == [message]

    def test_volume_bonus_thresholds_are_kept_in_order(self, program_admin):
        program = services.program_create(
            actor=program_admin,
            data=_data(
                kind="volume_bonus",
                thresholds=[{"min_revenue": "250000", "percent": "3"}, {"min_revenue": "100000.00", "percent": "1.50"}],
            ),
        )
        assert program.thresholds == [
            {"min_revenue": "100000", "percent": "1.5"},
            {"min_revenue": "250000", "percent": "3"},
        ]
        assert "1.5% from 100,000.00 USD; 3% from 250,000.00 USD" in services.program_rule_text(program)

    def test_the_end_cannot_come_before_the_start(self, program_admin):
        with pytest.raises(ValidationError) as exc:
            services.program_create(actor=program_admin, data=_data(ends_on=TODAY - timedelta(days=1)))
        assert _errors(exc)["ends_on"] == ["The program cannot end before it starts."]

    def test_a_partner_cannot_create_a_program(self, partner_a_admin):
        with pytest.raises(NotPermitted):
            services.program_create(actor=partner_a_admin, data=_data())
        assert not IncentiveProgram.objects.exists()


class TestProgramUpdate:
    def test_the_budget_cap_never_goes_below_what_is_committed(self, program_admin):
        program = IncentiveProgramFactory(budget_cap=Decimal("10000"))
        IncentiveProgram.objects.filter(pk=program.pk).update(committed=Decimal("7500"))

        with pytest.raises(ValidationError) as exc:
            services.program_update(actor=program_admin, program=program, data={"budget_cap": Decimal("5000")})
        assert _errors(exc)["budget_cap"] == [
            "The budget cap cannot be below what the program has already committed (7,500.00 USD); "
            "set it to at least that, or leave it empty."
        ]
        with pytest.raises(ValidationError) as exc:
            services.program_update(actor=program_admin, program=program, data={"budget_cap": Decimal("-1")})
        assert "cannot be negative" in _errors(exc)["budget_cap"][0]

        program = services.program_update(actor=program_admin, program=program, data={"budget_cap": Decimal("7500")})
        assert program.budget_cap == Decimal("7500")

    def test_an_update_emits_what_changed_and_nothing_when_nothing_did(self, manager, gold_tier):
        program = IncentiveProgramFactory()
        services.program_update(actor=manager, program=program, data={"name": program.name})
        assert not OutboxEvent.objects.filter(name="incentive_program.updated").exists()

        services.program_update(
            actor=manager, program=program, data={"rate_percent": Decimal("7.5"), "audience_tiers": [gold_tier]}
        )
        event = OutboxEvent.objects.get(name="incentive_program.updated")
        assert event.payload["changed"] == ["audience_tiers", "rate_percent"]

    def test_a_kind_change_clears_the_other_kinds_fields(self, program_admin):
        program = IncentiveProgramFactory(rate_percent=Decimal("5"))
        program = services.program_update(
            actor=program_admin, program=program, data={"kind": "spiff", "amount": Decimal("100"), "currency": "EUR"}
        )
        program.refresh_from_db()
        assert (program.kind, program.rate_percent, program.amount, program.currency) == (
            "spiff",
            None,
            Decimal("100.00"),
            "EUR",
        )


class TestRecompute:
    def test_a_recompute_applies_a_new_program_to_past_won_deals_once(
        self, program_admin, partner_a, django_capture_on_commit_callbacks
    ):
        deals = [_won(partner_a, "12000.00"), _won(partner_a, "8000.00")]
        program = IncentiveProgramFactory(rate_percent=Decimal("5"), starts_on=TODAY - timedelta(days=30))
        with django_capture_on_commit_callbacks(execute=True):
            services.program_recompute_start(actor=program_admin, program=program)
        with django_capture_on_commit_callbacks(execute=True):
            services.program_recompute_start(actor=program_admin, program=program)  # again: nothing more

        lines = Accrual.objects.filter(program=program).order_by("deal_id")
        assert [(line.deal_id, line.amount) for line in lines] == [
            (deals[0].pk, Decimal("600.00")),
            (deals[1].pk, Decimal("400.00")),
        ]
        counts = [e.payload["count"] for e in OutboxEvent.objects.filter(name="incentive_program.recomputed")]
        assert sorted(counts) == [0, 2]

    def test_only_a_program_admin_recomputes(self, manager):
        with pytest.raises(NotPermitted):
            services.program_recompute_start(actor=manager, program=IncentiveProgramFactory())


class TestAdjust:
    def test_finance_adds_an_adjustment_line_for_the_next_statement(self, finance, partner_a):
        line = services.accrual_adjust(
            actor=finance, partner=partner_a, amount=Decimal("-120.555"), explanation="Duplicate SPIFF in March"
        )
        assert (line.kind, line.program, line.deal, line.status) == ("adjustment", None, None, "accrued")
        assert (line.amount, line.currency, line.statement) == (Decimal("-120.56"), "USD", None)
        assert line.explanation == "Adjustment: Duplicate SPIFF in March"
        event = OutboxEvent.objects.get(name="accrual.adjusted")
        assert (event.partner_id, event.actor) == (partner_a.pk, finance)

    def test_an_adjustment_says_why_and_is_not_zero(self, finance, partner_a):
        with pytest.raises(ValidationError) as exc:
            services.accrual_adjust(actor=finance, partner=partner_a, amount=Decimal("0.001"), explanation="  ")
        assert _errors(exc) == {
            "explanation": ["Say why: the partner reads this on its statement."],
            "amount": ["An adjustment needs an amount other than zero (negative takes money back)."],
        }

    @pytest.mark.parametrize("who", ["program_admin", "manager", "partner_a_admin"])
    def test_only_finance_adjusts(self, request, who, partner_a):
        with pytest.raises(NotPermitted):
            services.accrual_adjust(
                actor=request.getfixturevalue(who), partner=partner_a, amount=Decimal("10"), explanation="x"
            )


# --- API -----------------------------------------------------------------------------------------------------


class TestProgramApi:
    def test_staff_create_a_program_with_the_api_names(self, api, manager, gold_tier):
        body = {
            "name": "Q3 SPIFF",
            "kind": "spiff",
            "amount": "250.00",
            "currency": "EUR",
            "starts_on": TODAY.isoformat(),
            "tiers": [gold_tier.pk],
            "partner_types": ["reseller"],
            "countries": ["GB", "DE"],
            "budget_cap": "5000.00",
        }
        response = api.as_user(manager).post(reverse("incentiveprogram-list"), body, format="json")

        assert response.status_code == 201, response.json()
        data = response.json()
        assert (data["tiers"], data["partner_types"], data["countries"]) == ([gold_tier.pk], ["reseller"], ["DE", "GB"])
        assert (data["committed"], data["remaining_budget"], data["rule"]) == (
            "0.00",
            "5000.00",
            "250.00 EUR per won deal.",
        )

    def test_a_rule_error_is_a_400_under_its_field(self, api, program_admin):
        body = {"name": "Bonus", "kind": "volume_bonus", "starts_on": TODAY.isoformat(), "thresholds": []}
        response = api.as_user(program_admin).post(reverse("incentiveprogram-list"), body, format="json")
        assert response.status_code == 400
        assert "at least one threshold" in str(response.json())

    def test_a_partner_lists_only_the_programs_it_is_eligible_for_without_budget_figures(
        self, api, partner_a_rep, gold_tier, partner_b_admin
    ):
        silver = TierFactory(name="Silver", rank=2)
        for_gold = IncentiveProgramFactory(name="Gold only", budget_cap=Decimal("100"))
        for_gold.audience_tiers.set([gold_tier])
        IncentiveProgramFactory(name="Silver only").audience_tiers.set([silver])
        IncentiveProgramFactory(name="Everyone")
        IncentiveProgramFactory(name="German partners", audience_countries=",DE,")

        response = api.as_user(partner_a_rep).get(reverse("incentiveprogram-list"))
        assert response.status_code == 200
        rows = response.json()["results"]
        assert [row["name"] for row in rows] == ["Everyone", "Gold only"]
        assert not {"budget_cap", "committed", "remaining_budget"} & set(rows[0])
        other = api.as_user(partner_b_admin).get(reverse("incentiveprogram-list")).json()["results"]
        assert [row["name"] for row in other] == ["Everyone", "German partners"]
        assert (
            api.as_user(partner_b_admin).get(reverse("incentiveprogram-detail", args=[for_gold.pk])).status_code == 404
        )

    def test_a_partner_cannot_write_a_program(self, api, partner_a_admin):
        body = {"name": "Mine", "kind": "rebate", "rate_percent": "50", "starts_on": TODAY.isoformat()}
        assert (
            api.as_user(partner_a_admin).post(reverse("incentiveprogram-list"), body, format="json").status_code == 403
        )

    def test_recompute_is_202_for_the_program_admin_and_the_lines_exist(
        self, api, program_admin, manager, partner_a, django_capture_on_commit_callbacks
    ):
        deal = _won(partner_a)
        program = IncentiveProgramFactory(rate_percent=Decimal("2"), starts_on=TODAY - timedelta(days=5))
        url = reverse("incentiveprogram-recompute", args=[program.pk])

        assert api.as_user(manager).post(url).status_code == 403
        with django_capture_on_commit_callbacks(execute=True):
            response = api.as_user(program_admin).post(url)
        assert response.status_code == 202
        line = Accrual.objects.get(program=program)
        assert (line.deal, line.amount, line.explanation) == (deal, Decimal("240.00"), "2% of 12,000.00 USD")

    def test_a_partial_update_changes_the_rule(self, api, program_admin):
        program = IncentiveProgramFactory()
        response = api.as_user(program_admin).patch(
            reverse("incentiveprogram-detail", args=[program.pk]), {"rate_percent": "7.50"}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["rule"] == "7.5% of won revenue."


class TestAccrualApi:
    def test_a_partner_reads_its_own_lines_and_another_partners_line_is_a_404(
        self, api, partner_a_rep, partner_a, partner_b
    ):
        mine = AccrualFactory(partner=partner_a)
        theirs = AccrualFactory(partner=partner_b)
        client = api.as_user(partner_a_rep)

        rows = client.get(reverse("accrual-list")).json()["results"]
        assert [row["id"] for row in rows] == [mine.pk]
        assert rows[0]["explanation"] == "5% of 12,000.00 USD"
        assert client.get(reverse("accrual-detail", args=[theirs.pk])).status_code == 404

    def test_staff_filter_the_lines(self, api, manager, partner_a, partner_b):
        program = IncentiveProgramFactory()
        a = AccrualFactory(partner=partner_a, program=program)
        AccrualFactory(partner=partner_b, program=program, status="paid")
        adjustment = AccrualFactory(partner=partner_a, program=None, kind=AccrualKind.ADJUSTMENT, amount=Decimal("-5"))
        client = api.as_user(manager)

        def ids(**params):
            return {row["id"] for row in client.get(reverse("accrual-list"), params).json()["results"]}

        assert ids(partner=partner_a.pk, kind="accrual") == {a.pk}
        assert ids(kind="adjustment") == {adjustment.pk}
        assert len(ids(status="accrued", program=program.pk)) == 1
        assert ids(partner="", status="", kind="") == ids()
        ordered = client.get(reverse("accrual-list"), {"ordering": "amount"}).json()["results"]
        assert ordered[0]["id"] == adjustment.pk

    def test_only_finance_adjusts_through_the_api(self, api, finance, manager, partner_a_admin, partner_a):
        url = reverse("accrual-adjust")
        body = {"partner": partner_a.pk, "amount": "75.00", "explanation": "Late SPIFF for deal #12"}

        assert api.as_user(manager).post(url, body, format="json").status_code == 403
        assert api.as_user(partner_a_admin).post(url, body, format="json").status_code == 403
        missing = api.as_user(finance).post(url, {**body, "explanation": ""}, format="json")
        assert missing.status_code == 400
        response = api.as_user(finance).post(url, body, format="json")
        assert response.status_code == 201
        assert (response.json()["kind"], response.json()["amount"], response.json()["program"]) == (
            "adjustment",
            "75.00",
            None,
        )


# --- pages ---------------------------------------------------------------------------------------------------


class TestProgramPages:
    def test_the_list_filters_by_kind_activity_and_tier_any_is_no_filter(self, page_client, manager, gold_tier):
        silver = TierFactory(name="Silver", rank=2)
        rebate = IncentiveProgramFactory(name="Gold rebate")
        rebate.audience_tiers.set([gold_tier])
        spiff = IncentiveProgramFactory(
            name="Silver SPIFF", kind="spiff", rate_percent=None, amount=Decimal("100"), currency="USD"
        )
        spiff.audience_tiers.set([silver])
        everyone = IncentiveProgramFactory(name="Old rebate", is_active=False)
        client = page_client.as_user(manager)
        url = reverse("manage:incentives")

        def names(**params):
            return [p.name for p in client.get(url, params).context["rows"]]

        assert names() == ["Gold rebate", "Old rebate", "Silver SPIFF"]
        assert names(kind="", active="", tier="", search="") == names()
        assert names(kind="spiff") == ["Silver SPIFF"]
        assert names(active="false") == [everyone.name]
        assert names(tier=gold_tier.pk) == ["Gold rebate", "Old rebate"]
        assert names(sort="-name") == ["Silver SPIFF", "Old rebate", "Gold rebate"]
        partial = client.get(url, {"kind": "rebate"}, HTTP_HX_REQUEST="true")
        assert partial.status_code == 200
        assert b"<html" not in partial.content and b"Gold rebate" in partial.content

    def test_the_list_costs_the_same_queries_for_one_program_or_three(
        self, page_client, manager, gold_tier, django_assert_num_queries
    ):
        client = page_client.as_user(manager)
        IncentiveProgramFactory().audience_tiers.set([gold_tier])
        client.get(reverse("manage:incentives"))  # warm the session and caches
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as one:
            client.get(reverse("manage:incentives"))
        for _ in range(2):
            IncentiveProgramFactory().audience_tiers.set([gold_tier])
        with django_assert_num_queries(len(one.captured_queries)):
            response = client.get(reverse("manage:incentives"))
        assert len(response.context["rows"]) == 3

    def test_a_manager_creates_a_rebate_through_the_form(self, page_client, manager, gold_tier):
        client = page_client.as_user(manager)
        form = client.get(reverse("manage:program-create"), {"kind": "rebate"})
        assert "rate_percent" in form.context["form"].fields and "amount" not in form.context["form"].fields

        response = client.post(
            reverse("manage:program-create"),
            {
                "kind": "rebate",
                "name": "Gold growth rebate",
                "rate_percent": "4.5",
                "starts_on": TODAY.isoformat(),
                "budget_cap": "20000",
                "is_active": "on",
                "tiers": [gold_tier.pk],
            },
        )
        program = IncentiveProgram.objects.get(name="Gold growth rebate")
        assert response.status_code == 302 and response.url == reverse("manage:program-detail", args=[program.pk])
        assert (program.rate_percent, program.budget_cap, program.is_active) == (
            Decimal("4.50"),
            Decimal("20000.00"),
            True,
        )
        assert list(program.audience_tiers.all()) == [gold_tier]
        detail = client.get(response.url)
        assert b"4.5% of won revenue." in detail.content and b"0.00 of 20,000.00 USD" in detail.content

    def test_a_spiff_without_an_amount_shows_the_error_on_the_field(self, page_client, manager):
        response = page_client.as_user(manager).post(
            reverse("manage:program-create"),
            {"kind": "spiff", "name": "SPIFF", "currency": "USD", "starts_on": TODAY.isoformat()},
        )
        assert response.status_code == 400
        assert response.context["form"].errors["amount"]
        assert not IncentiveProgram.objects.exists()

    def test_editing_a_volume_bonus_keeps_its_thresholds(self, page_client, program_admin):
        program = IncentiveProgramFactory(
            kind="volume_bonus", rate_percent=None, thresholds=[{"min_revenue": "100000", "percent": "1"}]
        )
        client = page_client.as_user(program_admin)
        assert client.get(reverse("manage:program-edit", args=[program.pk])).context["form"]["min_revenue_0"].value()
        response = client.post(
            reverse("manage:program-edit", args=[program.pk]),
            {
                "name": program.name,
                "starts_on": program.starts_on.isoformat(),
                "min_revenue_0": "100000",
                "percent_0": "1",
                "min_revenue_1": "200000",
                "percent_1": "2.5",
                "is_active": "on",
            },
        )
        assert response.status_code == 302
        program.refresh_from_db()
        assert program.thresholds == [
            {"min_revenue": "100000", "percent": "1"},
            {"min_revenue": "200000", "percent": "2.5"},
        ]

    def test_the_recompute_button_starts_it_for_the_program_admin_only(
        self, page_client, program_admin, manager, partner_a, django_capture_on_commit_callbacks
    ):
        _won(partner_a)
        program = IncentiveProgramFactory(starts_on=TODAY - timedelta(days=1))
        url = reverse("manage:program-recompute", args=[program.pk])
        assert page_client.as_user(manager).post(url).status_code == 403
        assert (
            b'data-testid="recompute"'
            not in page_client.get(reverse("manage:program-detail", args=[program.pk])).content
        )

        client = page_client.as_user(program_admin)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, follow=True)
        assert b"Recomputation started" in response.content
        assert Accrual.objects.filter(program=program).count() == 1

    def test_the_partner_portal_lists_its_programs_without_budget_figures(self, page_client, partner_a_rep, gold_tier):
        silver = TierFactory(name="Silver", rank=2)
        gold = IncentiveProgramFactory(name="Gold rebate", budget_cap=Decimal("98765"))
        gold.audience_tiers.set([gold_tier])
        IncentiveProgramFactory(name="Silver rebate").audience_tiers.set([silver])
        IncentiveProgramFactory(name="Paused", is_active=False)
        IncentiveProgramFactory(name="Ended", starts_on=date(2020, 1, 1), ends_on=date(2020, 12, 31))
        IncentiveProgramFactory(name="Next quarter", starts_on=TODAY + timedelta(days=40))

        response = page_client.as_user(partner_a_rep).get(reverse("portal:program-list"))
        assert response.status_code == 200
        assert [p.name for p in response.context["current"]] == ["Gold rebate"]
        assert [p.name for p in response.context["upcoming"]] == ["Next quarter"]
        assert b"5% of won revenue." in response.content
        assert b"98,765" not in response.content and b"98765" not in response.content


class TestAccrualPages:
    def _lines(self, partner_a, partner_b):
        program = IncentiveProgramFactory(name="Rebate")
        old = AccrualFactory(partner=partner_a, program=program)
        Accrual.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
        return (
            old,
            AccrualFactory(partner=partner_a, program=program, status="approved"),
            AccrualFactory(partner=partner_b, program=program),
        )

    def test_the_list_filters_by_partner_status_kind_and_dates(self, page_client, manager, partner_a, partner_b):
        old, approved, theirs = self._lines(partner_a, partner_b)
        client = page_client.as_user(manager)
        url = reverse("manage:accrual-list")

        def ids(**params):
            return {line.pk for line in client.get(url, params).context["rows"]}

        assert ids() == {old.pk, approved.pk, theirs.pk}
        assert ids(partner="", program="", status="", kind="", created_from="", created_to="") == ids()
        assert ids(partner=partner_a.pk) == {old.pk, approved.pk}
        assert ids(status="approved") == {approved.pk}
        assert ids(created_from=(TODAY - timedelta(days=7)).isoformat()) == {approved.pk, theirs.pk}
        assert ids(created_to=(TODAY - timedelta(days=7)).isoformat()) == {old.pk}
        assert ids(kind="reversal") == set()
        partial = client.get(url, {"status": "approved"}, HTTP_HX_REQUEST="true")
        assert b"<html" not in partial.content and b'hx-swap-oob="true"' in partial.content

    def test_the_csv_follows_the_filters(self, page_client, manager, partner_a, partner_b):
        old, approved, theirs = self._lines(partner_a, partner_b)
        response = page_client.as_user(manager).get(reverse("manage:accrual-export"), {"partner": partner_a.pk})
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert {int(r["id"]) for r in rows} == {old.pk, approved.pk}
        assert {r["explanation"] for r in rows} == {"5% of 12,000.00 USD"}
        assert {r["partner"] for r in rows} == {"Alpha Networks"}

    def test_the_list_costs_the_same_queries_for_one_line_or_three(
        self, page_client, manager, partner_a, partner_b, django_assert_num_queries
    ):
        client = page_client.as_user(manager)
        AccrualFactory(partner=partner_a, deal=DealFactory(partner=partner_a))
        client.get(reverse("manage:accrual-list"))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as one:
            client.get(reverse("manage:accrual-list"))
        AccrualFactory(partner=partner_b, deal=DealFactory(partner=partner_b))
        AccrualFactory(partner=partner_b, program=None, kind=AccrualKind.ADJUSTMENT)
        with django_assert_num_queries(len(one.captured_queries)):
            response = client.get(reverse("manage:accrual-list"))
        assert len(response.context["rows"]) == 3

    def test_finance_adds_an_adjustment_through_the_form(self, page_client, finance, manager, partner_a):
        url = reverse("manage:accrual-adjust")
        assert page_client.as_user(manager).get(url).status_code == 403
        client = page_client.as_user(finance)

        empty = client.post(url, {"partner": partner_a.pk, "amount": "50", "explanation": ""})
        assert empty.status_code == 400 and empty.context["form"].errors["explanation"]
        response = client.post(
            url, {"partner": partner_a.pk, "amount": "50", "explanation": "Missed SPIFF"}, follow=True
        )
        assert b"Adjustment of 50.00 USD added for Alpha Networks" in response.content
        line = Accrual.objects.get(kind="adjustment")
        assert (line.partner, line.amount) == (partner_a, Decimal("50.00"))
