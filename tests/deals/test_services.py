from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from deals import lead_services, services
from deals.conflicts import customer_key, normalize_name
from deals.models import Deal, DealConflict, DealStatus, LeadStatus
from prm.errors import Conflict, InvalidTransition, NotPermitted
from prm.events.models import OutboxEvent

from ..factories import PartnerFactory, TierFactory
from .factories import DealFactory, LeadFactory

pytestmark = pytest.mark.django_db


def _data(**overrides):
    return {
        "customer_name": "Globex Corporation",
        "customer_domain": "https://www.Globex.example/contact",
        "country": "GB",
        "contact_name": "Hank Scorpio",
        "products": "Edge gateways",
        "amount": Decimal("125000.00"),
        "currency": "usd",
        "expected_close_date": timezone.localdate() + timedelta(days=45),
        "description": "Replacing the incumbent's firewalls.",
        **overrides,
    }


def _events(name):
    return list(OutboxEvent.objects.filter(name=name))


class TestNormalization:
    @pytest.mark.parametrize(
        "raw,expected",
        [
            ("ACME Corporation, Inc.", "acme"),
            ("Acme Corp", "acme"),
            ("Société Générale S.A.", "societe generale"),
            ("Smith & Sons Ltd", "smith and sons"),
            ("Holding", "holding"),
        ],
    )
    def test_names(self, raw, expected):
        assert normalize_name(raw) == expected

    def test_a_customer_is_keyed_by_domain_or_by_name(self):
        assert customer_key("Acme", "https://www.ACME.com/x") == "acme.com"
        assert customer_key("Acme Inc.", "") == "name:acme"


class TestRegister:
    def test_a_partner_rep_registers_for_its_own_organization(self, partner_a, partner_a_rep):
        deal = services.deal_register(actor=partner_a_rep, data=_data())

        assert deal.partner == partner_a
        assert deal.registered_by == partner_a_rep
        assert deal.status == DealStatus.SUBMITTED
        assert deal.customer_domain == "globex.example"
        assert deal.currency == "USD"
        assert deal.customer.key == "globex.example"
        assert deal.detected_conflicts == []
        assert _events("deal.registered")[0].payload["id"] == deal.pk

    def test_staff_cannot_register_a_deal(self, manager):
        with pytest.raises(NotPermitted):
            services.deal_register(actor=manager, data=_data())

    @pytest.mark.parametrize(
        "field,value",
        [
            ("amount", Decimal("0")),
            ("amount", Decimal("-5")),
            ("amount", Decimal("10.123")),
            ("currency", "XYZ"),
            ("currency", "dollars"),
            ("expected_close_date", timezone.localdate() - timedelta(days=1)),
            ("expected_close_date", timezone.localdate() + timedelta(days=365 * 6)),
            ("customer_name", "  ,. "),
        ],
    )
    def test_bad_input_is_a_field_error(self, partner_a_rep, field, value):
        with pytest.raises(ValidationError) as exc:
            services.deal_register(actor=partner_a_rep, data=_data(**{field: value}))
        assert field in exc.value.message_dict
        assert not Deal.objects.exists()

    def test_the_same_domain_at_another_partner_is_a_domain_conflict_both_ways(self, partner_a_rep, partner_b_rep):
        first = services.deal_register(actor=partner_b_rep, data=_data(customer_name="Globex"))
        second = services.deal_register(actor=partner_a_rep, data=_data(customer_name="Globex Holdings plc"))

        assert [(m.deal, m.match) for m in second.detected_conflicts] == [(first, "domain")]
        assert second.customer_id == first.customer_id  # one customer row
        assert set(DealConflict.objects.values_list("deal", "other")) == {(second.pk, first.pk), (first.pk, second.pk)}
        assert _events("deal.conflict_detected")[0].payload["conflicts"] == [{"deal": first.pk, "match": "domain"}]

    def test_a_similar_name_without_a_domain_is_a_name_conflict(self, partner_a_rep, partner_b_rep):
        first = services.deal_register(
            actor=partner_b_rep, data=_data(customer_name="Initech Systems", customer_domain="")
        )
        second = services.deal_register(
            actor=partner_a_rep, data=_data(customer_name="Initech Systems Ltd.", customer_domain="initech.example")
        )
        assert [(m.deal, m.match) for m in second.detected_conflicts] == [(first, "name")]

    def test_own_deals_closed_deals_and_other_customers_are_not_conflicts(self, partner_a, partner_a_rep, partner_b):
        DealFactory(partner=partner_a, customer_name="Globex", customer_domain="globex.example")
        DealFactory(partner=partner_b, customer_name="Globex", customer_domain="globex.example", status="lost")
        DealFactory(partner=partner_b, customer_name="Umbrella", customer_domain="umbrella.example")

        deal = services.deal_register(actor=partner_a_rep, data=_data())
        assert deal.detected_conflicts == []


class TestApprove:
    def test_approval_protects_for_the_tiers_days(self, manager, partner_a):
        deal = DealFactory(partner=partner_a)  # Gold: 120 days
        deal = services.deal_approve(actor=manager, deal=deal)

        assert deal.status == DealStatus.APPROVED
        assert deal.protected_until == timezone.localdate() + timedelta(days=120)
        assert deal.approved_by == manager
        assert _events("deal.approved")[0].payload["protected_until"] == deal.protected_until.isoformat()

    def test_no_tier_means_the_default_protection(self, manager, partner_b):
        deal = services.deal_approve(actor=manager, deal=DealFactory(partner=partner_b))
        assert deal.protected_until == timezone.localdate() + timedelta(days=services.DEFAULT_PROTECTION_DAYS)

    def test_a_partner_cannot_approve_even_its_own_deal(self, partner_a, partner_a_admin):
        with pytest.raises(NotPermitted):
            services.deal_approve(actor=partner_a_admin, deal=DealFactory(partner=partner_a))

    def test_approving_twice_is_an_invalid_transition(self, manager, partner_a):
        deal = services.deal_approve(actor=manager, deal=DealFactory(partner=partner_a))
        with pytest.raises(InvalidTransition, match="already approved"):
            services.deal_approve(actor=manager, deal=deal)

    def test_a_competing_registration_cannot_be_approved_while_the_first_is_protected(
        self, manager, partner_a, partner_b
    ):
        first = DealFactory(partner=partner_a, customer_name="Globex", customer_domain="globex.example")
        second = DealFactory(partner=partner_b, customer_name="Globex", customer_domain="globex.example")
        services.deal_approve(actor=manager, deal=first)

        with pytest.raises(Conflict, match="Alpha Networks"):
            services.deal_approve(actor=manager, deal=second)
        second.refresh_from_db()
        assert second.status == DealStatus.SUBMITTED

    def test_a_lapsed_protection_is_expired_on_the_spot_to_free_the_customer(self, manager, partner_a, partner_b):
        first = DealFactory(
            partner=partner_a,
            customer_domain="globex.example",
            approved=True,
            protected_until=timezone.localdate() - timedelta(days=1),
        )
        second = DealFactory(partner=partner_b, customer_domain="globex.example")

        services.deal_approve(actor=manager, deal=second)
        first.refresh_from_db()
        assert first.status == DealStatus.EXPIRED

    def test_the_database_itself_refuses_a_second_approved_registration(self, partner_a, partner_b):
        DealFactory(partner=partner_a, customer_domain="globex.example", approved=True)
        second = DealFactory(partner=partner_b, customer_domain="globex.example")
        with pytest.raises(IntegrityError), transaction.atomic():
            Deal.objects.filter(pk=second.pk).update(status=DealStatus.APPROVED)

    def test_reject_needs_a_reason(self, manager, partner_a):
        deal = DealFactory(partner=partner_a)
        with pytest.raises(ValidationError):
            services.deal_reject(actor=manager, deal=deal, reason=" ")
        deal = services.deal_reject(actor=manager, deal=deal, reason="Direct account")
        assert deal.status == DealStatus.REJECTED
        assert deal.rejection_reason == "Direct account"
        assert _events("deal.rejected")

    def test_bulk_decisions_refuse_only_the_deals_that_cannot_move(self, manager, partner_a, partner_b):
        a = DealFactory(partner=partner_a, customer_domain="globex.example")
        b = DealFactory(partner=partner_b, customer_domain="globex.example")
        c = DealFactory(partner=partner_b)

        refused = services.deals_bulk_decide(actor=manager, deals=[a, b, c], decision="approve")

        assert [(d.pk, "already has an approved" in msg) for d, msg in refused] == [(b.pk, True)]
        assert Deal.objects.get(pk=c.pk).status == DealStatus.APPROVED


class TestClose:
    def test_the_owner_wins_an_approved_deal(self, partner_a, partner_a_rep):
        deal = DealFactory(partner=partner_a, approved=True)
        deal = services.deal_win(
            actor=partner_a_rep, deal=deal, amount=Decimal("99000.50"), closed_on=timezone.localdate()
        )
        assert (deal.status, deal.won_amount, deal.closed_on) == ("won", Decimal("99000.50"), timezone.localdate())
        assert _events("deal.won")[0].payload["amount"] == "99000.50"

    @pytest.mark.parametrize("status", ["submitted", "rejected", "lost", "expired", "won"])
    def test_only_an_approved_deal_can_be_won(self, partner_a, partner_a_rep, status):
        deal = DealFactory(partner=partner_a, status=status)
        with pytest.raises(InvalidTransition, match="Cannot win a deal that is|already won"):
            services.deal_win(actor=partner_a_rep, deal=deal, amount=Decimal("1"), closed_on=timezone.localdate())

    def test_a_win_cannot_be_dated_in_the_future(self, partner_a, partner_a_rep):
        deal = DealFactory(partner=partner_a, approved=True)
        with pytest.raises(ValidationError) as exc:
            services.deal_win(
                actor=partner_a_rep, deal=deal, amount=Decimal("1"), closed_on=timezone.localdate() + timedelta(days=1)
            )
        assert "closed_on" in exc.value.message_dict

    def test_another_partner_cannot_close_it(self, partner_a, partner_b_rep):
        deal = DealFactory(partner=partner_a, approved=True)
        with pytest.raises(NotPermitted):
            services.deal_lose(actor=partner_b_rep, deal=deal, reason="x")

    def test_lose_with_a_reason(self, partner_a, manager):
        deal = services.deal_lose(
            actor=manager, deal=DealFactory(partner=partner_a, approved=True), reason="Budget cut"
        )
        assert (deal.status, deal.lost_reason) == ("lost", "Budget cut")
        assert _events("deal.lost")


def _won(partner, **fields):
    return DealFactory(
        partner=partner,
        approved=True,
        status=DealStatus.WON,
        won_amount=Decimal("99000.50"),
        closed_on=timezone.localdate() - timedelta(days=3),
        **fields,
    )


class TestReopen:
    def test_a_won_deal_is_reopened_its_win_undone_and_its_protection_kept(self, manager, partner_a):
        deal = _won(partner_a)
        protected_until = deal.protected_until
        closed_on = deal.closed_on

        deal = services.deal_reopen(actor=manager, deal=deal, reason=" Order cancelled by the customer ")

        deal.refresh_from_db()
        assert (deal.status, deal.won_amount, deal.closed_on) == (DealStatus.APPROVED, None, None)
        assert deal.protected_until == protected_until
        assert [e.payload for e in _events("deal.reopened")] == [
            {
                "id": deal.pk,
                "previous_status": "won",
                "previous_amount": "99000.50",
                "previous_closed_on": closed_on.isoformat(),
                "reason": "Order cancelled by the customer",
            }
        ]

    def test_a_lost_deal_whose_protection_ended_is_protected_again_for_the_tiers_days(self, manager, partner_a):
        today = timezone.localdate()
        deal = DealFactory(
            partner=partner_a,  # Gold: 120 days
            status=DealStatus.LOST,
            lost_reason="Budget cut",
            closed_on=today - timedelta(days=40),
            protected_until=today - timedelta(days=1),
            expiry_warned_on=today - timedelta(days=8),
        )

        deal = services.deal_reopen(actor=manager, deal=deal, reason="Budget is back")

        deal.refresh_from_db()
        assert (deal.status, deal.lost_reason, deal.closed_on) == (DealStatus.APPROVED, "", None)
        assert deal.protected_until == today + timedelta(days=120)
        assert deal.expiry_warned_on is None  # the partner is warned again before the new protection ends
        payload = _events("deal.reopened")[0].payload
        assert (payload["previous_status"], payload["previous_amount"]) == ("lost", None)

    def test_the_partner_can_close_a_reopened_deal_again(self, manager, partner_a, partner_a_rep):
        deal = services.deal_reopen(actor=manager, deal=_won(partner_a), reason="Wrong deal marked won")

        deal = services.deal_win(
            actor=partner_a_rep, deal=deal, amount=Decimal("500.00"), closed_on=timezone.localdate()
        )

        assert (deal.status, deal.won_amount) == (DealStatus.WON, Decimal("500.00"))

    def test_a_reason_is_required(self, manager, partner_a):
        deal = _won(partner_a)
        with pytest.raises(ValidationError) as exc:
            services.deal_reopen(actor=manager, deal=deal, reason="  ")
        assert "reason" in exc.value.message_dict
        deal.refresh_from_db()
        assert deal.status == DealStatus.WON
        assert _events("deal.reopened") == []

    def test_refused_while_another_registration_of_the_customer_is_approved(self, manager, partner_a, partner_b):
        deal = _won(partner_a, customer_domain="globex.example")
        DealFactory(partner=partner_b, customer_domain="globex.example", approved=True)

        with pytest.raises(Conflict) as exc:
            services.deal_reopen(actor=manager, deal=deal, reason="Order cancelled")

        assert exc.value.status_code == 409
        assert exc.value.code == "customer_already_protected"
        assert "already has an approved registration (Bravo Systems" in exc.value.message
        deal.refresh_from_db()
        assert (deal.status, deal.won_amount) == (DealStatus.WON, Decimal("99000.50"))
        assert _events("deal.reopened") == []

    def test_a_competing_registration_whose_protection_lapsed_is_expired_to_let_it_reopen(
        self, manager, partner_a, partner_b
    ):
        deal = _won(partner_a, customer_domain="globex.example")
        holder = DealFactory(
            partner=partner_b,
            customer_domain="globex.example",
            approved=True,
            protected_until=timezone.localdate() - timedelta(days=1),
        )

        services.deal_reopen(actor=manager, deal=deal, reason="Order cancelled")

        holder.refresh_from_db()
        assert holder.status == DealStatus.EXPIRED

    @pytest.mark.parametrize(
        "status,message",
        [
            ("submitted", "Cannot reopen a deal that is submitted. Only approve or reject is possible now."),
            ("approved", "This deal is already approved."),
            ("rejected", "Cannot reopen a deal that is rejected. It is closed."),
            ("expired", "Cannot reopen a deal that is expired. It is closed."),
        ],
    )
    def test_only_a_won_or_lost_deal_is_reopened(self, manager, partner_a, status, message):
        deal = DealFactory(partner=partner_a, status=status)
        with pytest.raises(InvalidTransition) as exc:
            services.deal_reopen(actor=manager, deal=deal, reason="x")
        assert exc.value.message == message

    @pytest.mark.parametrize("status", ["won", "lost"])
    def test_approving_does_not_reopen_a_closed_deal(self, manager, partner_a, status):
        deal = DealFactory(partner=partner_a, status=status)
        with pytest.raises(InvalidTransition) as exc:
            services.deal_approve(actor=manager, deal=deal)
        assert exc.value.message == f"Cannot approve a deal that is {status}. Only reopen is possible now."
        deal.refresh_from_db()
        assert deal.status == status

    @pytest.mark.parametrize("role", ["finance", "partner_a_admin", "partner_a_rep"])
    def test_finance_and_the_owning_partner_cannot_reopen(self, request, partner_a, role):
        deal = _won(partner_a)
        with pytest.raises(NotPermitted):
            services.deal_reopen(actor=request.getfixturevalue(role), deal=deal, reason="x")
        deal.refresh_from_db()
        assert deal.status == DealStatus.WON


class TestCorrectWonAmount:
    def test_a_manager_corrects_the_won_amount(self, manager, partner_a):
        deal = _won(partner_a, currency="EUR")
        closed_on = deal.closed_on

        deal = services.deal_correct_won_amount(
            actor=manager, deal=deal, amount=Decimal("90000.00"), reason=" Discount not entered "
        )

        deal.refresh_from_db()
        assert (deal.status, deal.won_amount, deal.closed_on) == (DealStatus.WON, Decimal("90000.00"), closed_on)
        assert [e.payload for e in _events("deal.corrected")] == [
            {
                "id": deal.pk,
                "previous_amount": "99000.50",
                "amount": "90000.00",
                "currency": "EUR",
                "reason": "Discount not entered",
            }
        ]

    @pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), Decimal("1.005"), None])
    def test_the_amount_is_checked_as_for_a_win(self, manager, partner_a, amount):
        deal = _won(partner_a)
        with pytest.raises(ValidationError) as exc:
            services.deal_correct_won_amount(actor=manager, deal=deal, amount=amount, reason="Typo")
        assert "amount" in exc.value.message_dict
        assert _events("deal.corrected") == []

    def test_the_same_amount_or_no_reason_is_not_a_correction(self, manager, partner_a):
        deal = _won(partner_a)
        with pytest.raises(ValidationError, match="already won for 99000.50"):
            services.deal_correct_won_amount(actor=manager, deal=deal, amount=Decimal("99000.50"), reason="Typo")
        with pytest.raises(ValidationError) as exc:
            services.deal_correct_won_amount(actor=manager, deal=deal, amount=Decimal("1.00"), reason="")
        assert "reason" in exc.value.message_dict
        assert _events("deal.corrected") == []

    @pytest.mark.parametrize("status", ["approved", "lost", "submitted"])
    def test_only_a_won_deal_is_corrected(self, manager, partner_a, status):
        deal = DealFactory(partner=partner_a, status=status)
        with pytest.raises(
            InvalidTransition, match=f"Only a won deal's amount can be corrected: this deal is {status}"
        ):
            services.deal_correct_won_amount(actor=manager, deal=deal, amount=Decimal("10.00"), reason="Typo")

    @pytest.mark.parametrize("role", ["finance", "partner_a_admin"])
    def test_finance_and_the_owning_partner_cannot_correct(self, request, partner_a, role):
        deal = _won(partner_a)
        with pytest.raises(NotPermitted):
            services.deal_correct_won_amount(
                actor=request.getfixturevalue(role), deal=deal, amount=Decimal("10.00"), reason="Typo"
            )
        deal.refresh_from_db()
        assert deal.won_amount == Decimal("99000.50")


class TestExpiry:
    def test_lapsed_deals_expire_and_a_rerun_does_nothing(self, partner_a):
        today = timezone.localdate()
        lapsed = DealFactory(partner=partner_a, approved=True, protected_until=today - timedelta(days=1))
        current = DealFactory(partner=partner_a, approved=True, protected_until=today)

        assert services.deals_expire_lapsed(today=today) == 1
        assert services.deals_expire_lapsed(today=today) == 0
        lapsed.refresh_from_db()
        current.refresh_from_db()
        assert (lapsed.status, current.status) == ("expired", "approved")
        assert [e.payload["id"] for e in _events("deal.expired")] == [lapsed.pk]

    def test_the_partner_is_told_a_week_before_once(
        self, partner_a, partner_a_admin, partner_a_rep, django_capture_on_commit_callbacks
    ):
        today = timezone.localdate()
        deal = DealFactory(
            partner=partner_a, registered_by=partner_a_rep, approved=True, protected_until=today + timedelta(days=7)
        )
        DealFactory(partner=partner_a, approved=True, protected_until=today + timedelta(days=30))

        with django_capture_on_commit_callbacks(execute=True):  # the mail goes out after the commit
            assert services.deals_warn_expiring(today=today) == 1
            assert services.deals_warn_expiring(today=today) == 0
        assert len(mail.outbox) == 1
        assert set(mail.outbox[0].to) == {partner_a_admin.email, partner_a_rep.email}
        assert deal.customer_name in mail.outbox[0].subject
        assert _events("deal.expiring")[0].payload["days_left"] == 7


class TestCommentsAndAttachments:
    def test_comment(self, partner_a, partner_a_rep, manager):
        deal = DealFactory(partner=partner_a)
        services.deal_comment_add(actor=partner_a_rep, deal=deal, body="Customer asked for a demo")
        services.deal_comment_add(actor=manager, deal=deal, body="Our SE can join")
        assert list(deal.comments.values_list("author__email", flat=True)) == [partner_a_rep.email, manager.email]
        with pytest.raises(ValidationError):
            services.deal_comment_add(actor=manager, deal=deal, body="  ")

    def test_attachment_is_checked(self, partner_a, partner_a_rep, settings, tmp_path):
        from django.core.files.uploadedfile import SimpleUploadedFile

        settings.MEDIA_ROOT = tmp_path
        deal = DealFactory(partner=partner_a)
        ok = services.deal_attachment_add(
            actor=partner_a_rep, deal=deal, file=SimpleUploadedFile("quote.pdf", b"%PDF-1.7 quote")
        )
        assert ok.name == "quote.pdf" and ok.size == 14
        assert "quote" not in ok.file.name  # no user-chosen name on disk
        with pytest.raises(ValidationError):
            services.deal_attachment_add(
                actor=partner_a_rep, deal=deal, file=SimpleUploadedFile("quote.pdf", b"MZ not a pdf")
            )


class TestLeads:
    def test_offer_accept_convert(
        self, manager, partner_a, partner_a_admin, partner_a_rep, django_capture_on_commit_callbacks
    ):
        lead = lead_services.lead_create(
            actor=manager,
            data={
                "customer_name": "Wayne Enterprises",
                "customer_domain": "wayne.example",
                "country": "GB",
                "estimated_amount": Decimal("50000"),
                "currency": "EUR",
            },
        )
        with django_capture_on_commit_callbacks(execute=True):  # the mail goes out after the commit
            lead = lead_services.lead_offer(actor=manager, lead=lead, partner=partner_a)
        assert lead.status == LeadStatus.OFFERED
        assert mail.outbox[0].to == [partner_a_admin.email]

        lead = lead_services.lead_accept(actor=partner_a_rep, lead=lead)
        deal = lead_services.lead_convert(
            actor=partner_a_rep, lead=lead, data={"expected_close_date": timezone.localdate() + timedelta(days=30)}
        )
        lead.refresh_from_db()
        assert lead.status == LeadStatus.CONVERTED
        assert (deal.partner, deal.lead, deal.customer_name, deal.amount, deal.currency) == (
            partner_a,
            lead,
            "Wayne Enterprises",
            Decimal("50000.00"),
            "EUR",
        )
        assert {e.name for e in OutboxEvent.objects.all()} >= {
            "lead.created",
            "lead.offered",
            "lead.accepted",
            "lead.converted",
            "deal.registered",
        }

    def test_only_the_partner_it_is_offered_to_may_answer(self, partner_a, partner_b_rep):
        lead = LeadFactory(offer=partner_a)
        with pytest.raises(NotPermitted):
            lead_services.lead_accept(actor=partner_b_rep, lead=lead)

    def test_a_declined_lead_returns_to_the_pool_and_is_not_suggested_again(self, manager, partner_a, partner_a_rep):
        from deals.selectors import lead_suggestions

        lead = lead_services.lead_decline(actor=partner_a_rep, lead=LeadFactory(offer=partner_a), reason="No capacity")
        assert (lead.status, lead.partner, lead.declined_by) == (LeadStatus.NEW, None, [partner_a.pk])
        assert partner_a not in lead_suggestions(user=manager, lead=lead)

    def test_unanswered_offers_return_to_the_pool(self, partner_a, partner_a_rep):
        lead = LeadFactory(offer=partner_a)
        later = timezone.now() + timedelta(hours=73)
        assert lead_services.leads_return_unanswered(now=later) == 1
        assert lead_services.leads_return_unanswered(now=later) == 0
        lead.refresh_from_db()
        assert lead.status == LeadStatus.NEW
        with pytest.raises(InvalidTransition):
            lead_services.lead_accept(
                actor=partner_a_rep, lead=LeadFactory(offer=partner_a, respond_by=timezone.now() - timedelta(hours=1))
            )

    def test_suggestions_prefer_the_leads_country_and_the_best_tier(self, manager, partner_a, partner_b):
        silver = TierFactory(name="Silver", rank=2)
        gb_silver = PartnerFactory(name="Silver GB", country="GB", tier=silver)
        lead = LeadFactory(country="GB")
        from deals.selectors import lead_suggestions

        assert lead_suggestions(user=manager, lead=lead)[:3] == [partner_a, gb_silver, partner_b]
