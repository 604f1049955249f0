"""Dispute cases: opening, the state machine, messages and internal notes, the SLA."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from partners.cases import services
from partners.models import Case, CaseKind, CaseStatus
from prm.errors import Conflict, InvalidTransition, NotPermitted
from prm.events.models import OutboxEvent
from prm.sla import business_days_between

from ..deals.factories import DealFactory
from ..factories import PartnerUserFactory, StaffFactory
from .factories import CaseFactory

pytestmark = pytest.mark.django_db


def _open(actor, **data):
    return services.case_open(actor=actor, data={"subject": "Commission for Q2", "description": "Too low.", **data})


@pytest.fixture
def managed_a(partner_a, manager):
    partner_a.manager = manager
    partner_a.save(update_fields=["manager"])
    return partner_a


class TestOpen:
    def test_a_partner_user_opens_a_case_for_its_own_organization_owned_by_its_manager(
        self, managed_a, manager, partner_a_rep
    ):
        case = _open(partner_a_rep, kind=CaseKind.COMMISSION)

        assert (case.partner, case.status, case.owner, case.opened_by) == (
            managed_a,
            CaseStatus.OPEN,
            manager,
            partner_a_rep,
        )
        assert case.due_at == Case.due_at_for(CaseKind.COMMISSION, case.created_at)
        event = OutboxEvent.objects.get(name="case.opened")
        assert (event.partner_id, event.payload["kind"]) == (managed_a.pk, "commission")

    def test_a_partner_cannot_open_a_case_for_another_organization(self, partner_a_rep, partner_b):
        with pytest.raises(ValidationError) as exc:
            _open(partner_a_rep, partner=partner_b)
        assert "partner" in exc.value.message_dict

    def test_a_partner_cannot_choose_the_owner_not_even_a_colleague(self, partner_a, partner_a_rep):
        with pytest.raises(ValidationError) as exc:
            _open(partner_a_rep, owner=PartnerUserFactory(partner=partner_a))
        assert "owner" in exc.value.message_dict

    def test_staff_name_the_partner_and_may_choose_an_owner(self, manager, partner_b):
        with pytest.raises(ValidationError) as exc:
            _open(manager)
        assert "partner" in exc.value.message_dict

        finance_person = StaffFactory(role="finance")
        case = _open(manager, partner=partner_b, owner=finance_person, kind=CaseKind.MDF)
        assert (case.partner, case.owner, case.opened_by) == (partner_b, finance_person, manager)

    def test_the_owner_must_be_staff(self, manager, partner_b, partner_b_admin):
        with pytest.raises(ValidationError) as exc:
            _open(manager, partner=partner_b, owner=partner_b_admin)
        assert "owner" in exc.value.message_dict

    def test_a_case_on_a_deal_is_a_deal_conflict_and_the_deal_must_be_the_partners(
        self, settings, partner_a, partner_b, partner_a_rep
    ):
        settings.PRM_CASE_SLA_DAYS = {"deal_conflict": "2"}
        own = DealFactory(partner=partner_a)
        case = _open(partner_a_rep, deal=own)
        assert (case.kind, case.deal) == (CaseKind.DEAL_CONFLICT, own)
        assert business_days_between(timezone.localdate(case.created_at), timezone.localdate(case.due_at)) == 2

        with pytest.raises(ValidationError) as exc:
            _open(partner_a_rep, deal=DealFactory(partner=partner_b))
        assert "deal" in exc.value.message_dict

    def test_subject_and_description_are_required(self, partner_a_rep):
        with pytest.raises(ValidationError) as exc:
            _open(partner_a_rep, subject="  ", description="")
        assert {"subject"} <= set(exc.value.message_dict)


class TestStateMachine:
    def test_open_review_resolve_with_events_and_a_resolution(self, manager, partner_a):
        case = CaseFactory(partner=partner_a, owner=None)

        case = services.case_review(actor=manager, case=case)
        assert (case.status, case.owner) == (CaseStatus.IN_REVIEW, manager)  # an unassigned case is the reviewer's

        with pytest.raises(ValidationError) as exc:
            services.case_resolve(actor=manager, case=case, resolution="   ")
        assert "resolution" in exc.value.message_dict

        case = services.case_resolve(actor=manager, case=case, resolution="Commission corrected to 5%.")
        case.refresh_from_db()
        assert (case.status, case.resolution, case.resolved_by) == ("resolved", "Commission corrected to 5%.", manager)
        assert case.resolved_at is not None
        changes = [e.payload for e in OutboxEvent.objects.filter(name="case.status_changed").order_by("id")]
        assert changes == [{"from": "open", "to": "in_review"}, {"from": "in_review", "to": "resolved"}]
        assert OutboxEvent.objects.filter(name="case.resolved", aggregate_id=str(case.pk)).count() == 1

    def test_illegal_transitions_are_refused_with_a_clear_message(self, manager, partner_a):
        case = CaseFactory(partner=partner_a)
        with pytest.raises(InvalidTransition, match="Cannot resolve a case that is open. Only close or review"):
            services.case_resolve(actor=manager, case=case, resolution="Done.")

        services.case_review(actor=manager, case=case)
        with pytest.raises(InvalidTransition, match="already in review"):
            services.case_review(actor=manager, case=case)

        services.case_resolve(actor=manager, case=case, resolution="Done.")
        for move in (services.case_review, services.case_close):
            with pytest.raises(InvalidTransition, match="finished"):
                move(actor=manager, case=case)
        assert case.__class__.objects.get(pk=case.pk).status == "resolved"

    def test_partners_do_not_review_or_resolve(self, partner_a, partner_a_admin):
        case = CaseFactory(partner=partner_a)
        with pytest.raises(NotPermitted):
            services.case_review(actor=partner_a_admin, case=case)
        with pytest.raises(NotPermitted):
            services.case_resolve(actor=partner_a_admin, case=case, resolution="We win.")

    def test_the_partner_withdraws_its_case_with_a_reason_in_the_thread(self, manager, partner_a, partner_a_rep):
        case = CaseFactory(partner=partner_a)
        services.case_review(actor=manager, case=case)

        case = services.case_close(actor=partner_a_rep, case=case, reason="Sorted out with the customer.")

        assert case.status == "closed" and case.closed_at is not None
        assert [m.body for m in case.messages.all()] == ["Closed: Sorted out with the customer."]

    def test_another_partner_cannot_close_it(self, partner_a, partner_b_admin):
        case = CaseFactory(partner=partner_a)
        with pytest.raises(NotPermitted):
            services.case_close(actor=partner_b_admin, case=case)

    def test_assign_only_to_staff(self, manager, partner_a, partner_a_rep):
        case = CaseFactory(partner=partner_a)
        other = StaffFactory()
        assert services.case_assign(actor=manager, case=case, owner=other).owner == other
        assert OutboxEvent.objects.filter(name="case.assigned").count() == 1
        with pytest.raises(ValidationError):
            services.case_assign(actor=manager, case=case, owner=partner_a_rep)


class TestMessages:
    def test_both_sides_post_and_the_event_names_the_partner(self, manager, partner_a, partner_a_rep):
        case = CaseFactory(partner=partner_a)
        services.case_message_post(actor=partner_a_rep, case=case, body="Any news?")
        services.case_message_post(actor=manager, case=case, body="Looking at it today.")

        assert [m.body for m in case.messages.all()] == ["Any news?", "Looking at it today."]
        events = OutboxEvent.objects.filter(name="case.message_posted")
        assert {e.partner_id for e in events} == {partner_a.pk}

    def test_internal_notes_are_staff_only_and_their_event_carries_no_partner_and_no_text(
        self, manager, partner_a, partner_a_admin
    ):
        case = CaseFactory(partner=partner_a)
        with pytest.raises(ValidationError) as exc:
            services.case_message_post(actor=partner_a_admin, case=case, body="psst", internal=True)
        assert "internal" in exc.value.message_dict

        note = services.case_message_post(actor=manager, case=case, body="Partner is known to push.", internal=True)
        event = OutboxEvent.objects.get(name="case.message_posted")
        assert note.internal and event.partner_id is None
        assert "Partner is known" not in str(event.payload)

    def test_no_messages_on_a_finished_case(self, manager, partner_a, partner_a_rep):
        case = CaseFactory(partner=partner_a, status=CaseStatus.CLOSED)
        with pytest.raises(Conflict, match="open a new case"):
            services.case_message_post(actor=partner_a_rep, case=case, body="But...")

    def test_an_empty_message_is_refused(self, partner_a, partner_a_rep):
        with pytest.raises(ValidationError):
            services.case_message_post(actor=partner_a_rep, case=CaseFactory(partner=partner_a), body=" \n ")


class TestSla:
    def test_the_sla_days_are_configurable_per_kind_with_a_default(self, settings):
        opened = timezone.make_aware(datetime(2026, 3, 2, 9, 0))  # a Monday
        settings.PRM_CASE_SLA_DAYS = {"mdf": "1"}
        assert Case.due_at_for("mdf", opened).date().isoformat() == "2026-03-03"
        assert Case.due_at_for("commission", opened).date().isoformat() == "2026-03-09"  # the default, 5

    def test_overdue_while_active_only(self, partner_a):
        late = CaseFactory(partner=partner_a, due_at=timezone.now() - timedelta(days=3))
        on_time = CaseFactory(partner=partner_a)
        done_late = CaseFactory(
            partner=partner_a, due_at=timezone.now() - timedelta(days=3), status="resolved", resolution="ok"
        )
        assert (late.is_overdue, on_time.is_overdue, done_late.is_overdue) == (True, False, False)
        assert late.sla()["state"] == "overdue"
        assert done_late.sla() == {"state": "done", "label": "Resolved", "overdue": False}
        assert list(late.__class__.objects.overdue()) == [late]
