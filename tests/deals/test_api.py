from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from deals.models import Deal, LeadStatus
from prm.events.models import OutboxEvent

from .factories import DealCommentFactory, DealFactory, ExchangeRateFactory, LeadFactory, deal_body

pytestmark = pytest.mark.django_db

DEALS = "/api/v1/deals/"


class TestRegister:
    def test_201_submitted_with_the_other_partners_conflicts_but_never_their_amount_or_notes(
        self, api, partner_a_rep, partner_b_rep
    ):
        first = api.as_user(partner_b_rep).post(DEALS, deal_body(customer_name="Globex", description="SECRET NOTE"))
        assert first.status_code == 201

        response = api.as_user(partner_a_rep).post(DEALS, deal_body(partner=partner_b_rep.partner_id))

        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["status"] == "submitted"
        assert body["partner"] == partner_a_rep.partner_id  # the caller's organization, whatever was sent
        assert body["conflicts"] == [
            {
                "deal": None,  # who holds it only if the program discloses it (tests/deals/test_conflicts.py)
                "partner": None,
                "customer_name": "Globex",
                "status": "submitted",
                "match": "domain",
            }
        ]
        assert "SECRET NOTE" not in response.content.decode()
        assert "125000" not in str(body["conflicts"])

    @pytest.mark.parametrize(
        "field,value",
        [
            ("amount", "0"),
            ("amount", "-1"),
            ("amount", "12.345"),
            ("amount", "lots"),
            ("currency", "EURO"),
            ("currency", "ABC"),
            ("expected_close_date", "2001-01-01"),
            ("expected_close_date", "not a date"),
            ("customer_domain", "not a domain"),
        ],
    )
    def test_bad_input_is_400_per_field(self, api, partner_a_rep, field, value):
        response = api.as_user(partner_a_rep).post(DEALS, deal_body(**{field: value}))
        assert response.status_code == 400
        assert field in response.json()
        assert not Deal.objects.exists()

    def test_staff_cannot_register(self, api, manager):
        assert api.as_user(manager).post(DEALS, deal_body()).status_code == 403

    def test_conflict_check_before_registering_saves_nothing(self, api, partner_a_rep, partner_b):
        DealFactory(partner=partner_b, customer_name="Initech", customer_domain="initech.example")
        response = api.as_user(partner_a_rep).post(
            DEALS + "check-conflicts/", {"customer_name": "Initech Ltd", "customer_domain": ""}
        )
        assert response.status_code == 200
        assert [(c["partner"], c["match"]) for c in response.json()] == [(None, "name")]
        assert Deal.objects.count() == 1


class TestDecisions:
    def test_the_competing_approval_is_409_and_the_winner_closes_it(
        self, api, manager, partner_a, partner_a_rep, partner_b
    ):
        mine = DealFactory(partner=partner_a, customer_domain="globex.example")
        theirs = DealFactory(partner=partner_b, customer_domain="globex.example")
        client = api.as_user(manager)

        approved = client.post(f"{DEALS}{mine.pk}/approve/")
        assert approved.status_code == 200
        assert approved.json()["protected_until"] == (timezone.localdate() + timedelta(days=120)).isoformat()

        refused = client.post(f"{DEALS}{theirs.pk}/approve/")
        assert refused.status_code == 409
        assert refused.json()["code"] == "customer_already_protected"
        assert "Alpha Networks" in refused.json()["detail"]

        twice = client.post(f"{DEALS}{mine.pk}/approve/")
        assert (twice.status_code, twice.json()["code"]) == (409, "invalid_transition")

        won = api.as_user(partner_a_rep).post(
            f"{DEALS}{mine.pk}/win/", {"amount": "120000.00", "closed_on": timezone.localdate().isoformat()}
        )
        assert won.status_code == 200
        assert (won.json()["status"], won.json()["won_amount"]) == ("won", "120000.00")

    def test_a_partner_cannot_approve_its_own_deal(self, api, partner_a, partner_a_admin):
        deal = DealFactory(partner=partner_a)
        response = api.as_user(partner_a_admin).post(f"{DEALS}{deal.pk}/approve/")
        assert response.status_code == 403
        deal.refresh_from_db()
        assert deal.status == "submitted"

    def test_winning_a_rejected_deal_is_409_with_a_clear_message(self, api, partner_a, partner_a_rep):
        deal = DealFactory(partner=partner_a, status="rejected")
        response = api.as_user(partner_a_rep).post(
            f"{DEALS}{deal.pk}/win/", {"amount": "10.00", "closed_on": timezone.localdate().isoformat()}
        )
        assert response.status_code == 409
        assert response.json()["detail"] == "Cannot win a deal that is rejected. It is closed."

    def test_reject_needs_a_reason_and_lose_too(self, api, manager, partner_a, partner_a_rep):
        deal = DealFactory(partner=partner_a)
        assert api.as_user(manager).post(f"{DEALS}{deal.pk}/reject/", {}).status_code == 400
        assert (
            api.as_user(manager).post(f"{DEALS}{deal.pk}/reject/", {"reason": "Direct"}).json()["status"] == "rejected"
        )
        approved = DealFactory(partner=partner_a, approved=True)
        assert api.as_user(partner_a_rep).post(f"{DEALS}{approved.pk}/lose/", {"reason": ""}).status_code == 400
        lost = api.as_user(partner_a_rep).post(f"{DEALS}{approved.pk}/lose/", {"reason": "Went with a competitor"})
        assert lost.json()["status"] == "lost"

    def test_bulk_approve_reports_each_refusal(self, api, manager, partner_a, partner_b):
        a = DealFactory(partner=partner_a, customer_domain="globex.example")
        b = DealFactory(partner=partner_b, customer_domain="globex.example")
        response = api.as_user(manager).post(DEALS + "bulk/", {"decision": "approve", "deals": [a.pk, b.pk, 999999]})
        assert response.status_code == 200
        assert response.json()["done"] == [a.pk]
        assert [r["deal"] for r in response.json()["refused"]] == [b.pk, 999999]

    def test_every_state_change_is_in_the_outbox(self, api, manager, partner_a_rep):
        deal_id = api.as_user(partner_a_rep).post(DEALS, deal_body()).json()["id"]
        api.as_user(manager).post(f"{DEALS}{deal_id}/approve/")
        api.as_user(partner_a_rep).post(f"{DEALS}{deal_id}/lose/", {"reason": "No budget"})
        assert list(OutboxEvent.objects.filter(aggregate_type="deal").values_list("name", flat=True)) == [
            "deal.registered",
            "deal.approved",
            "deal.lost",
        ]
        history = api.as_user(manager).get(f"{DEALS}{deal_id}/history/").json()
        assert [h["action"] for h in history] == ["updated", "updated", "created"]


class TestReopenAndCorrect:
    def _won(self, partner, **fields):
        return DealFactory(
            partner=partner,
            approved=True,
            status="won",
            won_amount=Decimal("5000.00"),
            closed_on=timezone.localdate(),
            **fields,
        )

    def test_a_manager_corrects_then_reopens_a_won_deal_each_once_in_the_outbox_and_the_history(
        self, api, manager, partner_a
    ):
        deal = self._won(partner_a)
        client = api.as_user(manager)

        corrected = client.post(f"{DEALS}{deal.pk}/correct/", {"amount": "4500.00", "reason": "Discount"})
        assert corrected.status_code == 200
        assert (corrected.json()["status"], corrected.json()["won_amount"]) == ("won", "4500.00")

        reopened = client.post(f"{DEALS}{deal.pk}/reopen/", {"reason": "Order cancelled"})
        assert reopened.status_code == 200
        body = reopened.json()
        assert (body["status"], body["won_amount"], body["closed_on"]) == ("approved", None, None)

        events = OutboxEvent.objects.filter(aggregate_type="deal").order_by("id")
        assert [(e.name, e.payload["id"]) for e in events] == [("deal.corrected", deal.pk), ("deal.reopened", deal.pk)]
        assert events[1].payload["previous_amount"] == "4500.00"
        history = client.get(f"{DEALS}{deal.pk}/history/").json()
        assert [(h["action"], h["actor"]) for h in history[:2]] == [("updated", manager.email)] * 2

    def test_a_lost_deal_reopens_too(self, api, manager, partner_a):
        deal = DealFactory(partner=partner_a, status="lost", lost_reason="Budget cut", closed_on=timezone.localdate())
        response = api.as_user(manager).post(f"{DEALS}{deal.pk}/reopen/", {"reason": "Budget is back"})
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["lost_reason"]) == ("approved", "")

    def test_reopening_while_another_partner_holds_the_customer_is_409_naming_it(
        self, api, manager, partner_a, partner_b
    ):
        deal = self._won(partner_a, customer_domain="globex.example")
        DealFactory(partner=partner_b, customer_domain="globex.example", approved=True)

        response = api.as_user(manager).post(f"{DEALS}{deal.pk}/reopen/", {"reason": "Order cancelled"})

        assert response.status_code == 409
        assert response.json()["code"] == "customer_already_protected"
        assert "already has an approved registration (Bravo Systems" in response.json()["detail"]
        deal.refresh_from_db()
        assert deal.status == "won"
        assert not OutboxEvent.objects.filter(name="deal.reopened").exists()

    def test_bad_input_is_400_per_field_and_an_illegal_move_409(self, api, manager, partner_a):
        won = self._won(partner_a)
        client = api.as_user(manager)
        assert set(client.post(f"{DEALS}{won.pk}/reopen/", {}).json()) == {"reason"}
        assert set(client.post(f"{DEALS}{won.pk}/correct/", {"amount": "0", "reason": ""}).json()) == {
            "amount",
            "reason",
        }
        approved = DealFactory(partner=partner_a, approved=True)
        reopen = client.post(f"{DEALS}{approved.pk}/reopen/", {"reason": "x"})
        assert (reopen.status_code, reopen.json()["detail"]) == (409, "This deal is already approved.")
        correct = client.post(f"{DEALS}{approved.pk}/correct/", {"amount": "10.00", "reason": "x"})
        assert (correct.status_code, correct.json()["code"]) == (409, "invalid_transition")
        again = client.post(f"{DEALS}{won.pk}/approve/")
        assert (again.status_code, again.json()["detail"]) == (
            409,
            "Cannot approve a deal that is won. Only reopen is possible now.",
        )

    @pytest.mark.parametrize("role,status", [("finance", 403), ("partner_a_admin", 403), ("partner_b_rep", 404)])
    def test_finance_and_partners_are_refused(self, api, request, partner_a, role, status):
        deal = self._won(partner_a)
        client = api.as_user(request.getfixturevalue(role))

        assert client.post(f"{DEALS}{deal.pk}/reopen/", {"reason": "x"}).status_code == status
        assert client.post(f"{DEALS}{deal.pk}/correct/", {"amount": "1.00", "reason": "x"}).status_code == status
        deal.refresh_from_db()
        assert (deal.status, deal.won_amount) == ("won", Decimal("5000.00"))


class TestLists:
    def test_cursor_pages_without_a_count(self, api, partner_a, partner_a_rep, partner_b):
        DealFactory.create_batch(5, partner=partner_a)
        DealFactory.create_batch(2, partner=partner_b)
        client = api.as_user(partner_a_rep)

        first = client.get(DEALS, {"page_size": 3}).json()
        assert "count" not in first
        assert len(first["results"]) == 3
        second = client.get(first["next"]).json()
        assert len(second["results"]) == 2 and second["next"] is None
        ids = [d["id"] for d in first["results"] + second["results"]]
        assert ids == sorted(ids, reverse=True)
        assert {d["partner"] for d in first["results"] + second["results"]} == {partner_a.pk}

    def test_filters(self, api, manager, partner_a, partner_b, gold_tier):
        DealFactory(partner=partner_a, amount=Decimal("100"), country="GB", customer_name="Small Shop")
        DealFactory(
            partner=partner_b, amount=Decimal("900000"), country="DE", status="won", customer_name="Big Bank AG"
        )
        client = api.as_user(manager)

        def names(**params):
            return [d["customer_name"] for d in client.get(DEALS, params).json()["results"]]

        assert names(status="won") == ["Big Bank AG"]
        assert names(tier=gold_tier.pk) == ["Small Shop"]
        assert names(country="DE") == ["Big Bank AG"]
        assert names(amount_min="1000") == ["Big Bank AG"]
        assert names(amount_max="1000") == ["Small Shop"]
        assert names(search="big bank") == ["Big Bank AG"]
        assert names(partner=partner_a.pk) == ["Small Shop"]
        assert names(ordering="amount") == ["Small Shop", "Big Bank AG"]
        today = timezone.localdate().isoformat()
        assert len(names(registered_after=today, registered_before=today)) == 2

    def test_the_list_costs_the_same_queries_for_10_or_60_rows(
        self, api, manager, partner_a, django_assert_max_num_queries
    ):
        DealFactory.create_batch(10, partner=partner_a)
        client = api.as_user(manager)
        with django_assert_max_num_queries(6) as small:
            client.get(DEALS, {"page_size": 100})
        DealFactory.create_batch(50, partner=partner_a)
        with django_assert_max_num_queries(6) as large:
            assert len(client.get(DEALS, {"page_size": 100}).json()["results"]) == 60
        assert len(small.captured_queries) == len(large.captured_queries)


class TestCommentsAndAttachments:
    def test_partner_and_manager_talk_on_the_deal(self, api, manager, partner_a, partner_a_rep):
        deal = DealFactory(partner=partner_a)
        assert (
            api.as_user(partner_a_rep).post(f"{DEALS}{deal.pk}/comments/", {"body": "Demo booked"}).status_code == 201
        )
        assert api.as_user(manager).post(f"{DEALS}{deal.pk}/comments/", {"body": "SE assigned"}).status_code == 201
        rows = api.as_user(partner_a_rep).get(f"{DEALS}{deal.pk}/comments/").json()
        assert [(r["author"], r["body"]) for r in rows] == [
            (partner_a_rep.email, "Demo booked"),
            (manager.email, "SE assigned"),
        ]

    def test_finance_reads_but_does_not_comment(self, api, finance, partner_a):
        comment = DealCommentFactory(deal=DealFactory(partner=partner_a))
        assert api.as_user(finance).get(f"{DEALS}{comment.deal_id}/comments/").status_code == 200
        assert api.as_user(finance).post(f"{DEALS}{comment.deal_id}/comments/", {"body": "x"}).status_code == 403

    def test_upload_is_checked(self, api, partner_a, partner_a_rep, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        deal = DealFactory(partner=partner_a)
        client = api.as_user(partner_a_rep)
        ok = client.post(
            f"{DEALS}{deal.pk}/attachments/", {"file": SimpleUploadedFile("q.pdf", b"%PDF-1.4 x")}, format="multipart"
        )
        assert ok.status_code == 201 and ok.json()["name"] == "q.pdf"
        bad = client.post(
            f"{DEALS}{deal.pk}/attachments/", {"file": SimpleUploadedFile("q.exe", b"MZ")}, format="multipart"
        )
        assert bad.status_code == 400 and "file" in bad.json()
        assert [a["name"] for a in client.get(f"{DEALS}{deal.pk}/attachments/").json()] == ["q.pdf"]


class TestLeads:
    def test_offered_accepted_converted(self, api, manager, partner_a, partner_a_rep):
        created = api.as_user(manager).post(
            "/api/v1/leads/",
            {
                "customer_name": "Wayne Enterprises",
                "customer_domain": "wayne.example",
                "country": "GB",
                "estimated_amount": "50000.00",
                "currency": "USD",
            },
        )
        assert created.status_code == 201
        lead_id = created.json()["id"]
        assert api.as_user(partner_a_rep).get(f"/api/v1/leads/{lead_id}/").status_code == 404  # still in the pool

        offered = api.as_user(manager).post(f"/api/v1/leads/{lead_id}/offer/", {"partner": partner_a.pk})
        assert offered.json()["status"] == "offered"
        rep = api.as_user(partner_a_rep)
        assert rep.post(f"/api/v1/leads/{lead_id}/accept/").json()["status"] == "accepted"
        converted = rep.post(
            f"/api/v1/leads/{lead_id}/convert/",
            {"expected_close_date": (timezone.localdate() + timedelta(days=20)).isoformat()},
        )
        assert converted.status_code == 201
        assert (converted.json()["status"], converted.json()["lead"]) == ("submitted", lead_id)
        assert rep.get(f"/api/v1/leads/{lead_id}/").json()["deal"] == converted.json()["id"]

    def test_decline_returns_it_to_the_pool(self, api, partner_a, partner_a_rep):
        lead = LeadFactory(offer=partner_a)
        response = api.as_user(partner_a_rep).post(f"/api/v1/leads/{lead.pk}/decline/", {"reason": "Too far"})
        assert response.status_code == 200
        lead.refresh_from_db()
        assert lead.status == LeadStatus.NEW
        assert api.as_user(partner_a_rep).get(f"/api/v1/leads/{lead.pk}/").status_code == 404

    def test_accepting_twice_is_409(self, api, partner_a, partner_a_rep):
        lead = LeadFactory(offer=partner_a)
        api.as_user(partner_a_rep).post(f"/api/v1/leads/{lead.pk}/accept/")
        assert api.as_user(partner_a_rep).post(f"/api/v1/leads/{lead.pk}/accept/").status_code == 409

    def test_managers_cannot_answer_for_a_partner(self, api, manager, partner_a):
        lead = LeadFactory(offer=partner_a)
        assert api.as_user(manager).post(f"/api/v1/leads/{lead.pk}/accept/").status_code == 403


class TestExchangeRates:
    def test_the_program_admin_sets_rates_everyone_reads_them(self, api, program_admin, manager, partner_a_rep):
        body = {"currency": "EUR", "rate": "1.08000000", "valid_from": timezone.localdate().isoformat()}
        assert api.as_user(manager).post("/api/v1/exchange-rates/", body).status_code == 403
        assert api.as_user(program_admin).post("/api/v1/exchange-rates/", body).status_code == 201
        again = api.as_user(program_admin).post("/api/v1/exchange-rates/", {**body, "rate": "1.09"})
        assert again.status_code == 201  # the day's rate is corrected, not duplicated
        rows = api.as_user(partner_a_rep).get("/api/v1/exchange-rates/").json()["results"]
        assert [(r["currency"], r["rate"]) for r in rows] == [("EUR", "1.09000000")]
        assert (
            api.as_user(program_admin).post("/api/v1/exchange-rates/", {**body, "currency": "EURO"}).status_code == 400
        )

    def test_totals_convert_to_the_program_currency(self, partner_a, manager):
        from deals.selectors import totals

        ExchangeRateFactory(currency="EUR", rate=Decimal("1.10"))
        DealFactory(partner=partner_a, amount=Decimal("100.00"), currency="EUR")
        DealFactory(partner=partner_a, amount=Decimal("50.00"), currency="USD")
        DealFactory(partner=partner_a, amount=Decimal("10.00"), currency="JPY")
        result = totals(Deal.objects.all())
        assert result["total"] == Decimal("160.00")
        assert result["missing_rates"] == ["JPY"]
