"""`/api/v1/cases/`: open, list with filters, the status actions, the thread (internal notes never reach a
partner), history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from partners.models import Case
from prm.events.models import OutboxEvent

from ..deals.factories import DealFactory
from .factories import CaseFactory, CaseMessageFactory

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"


def _url(case, action=""):
    return f"{CASES}{case.pk}/{action + '/' if action else ''}"


class TestOpen:
    def test_a_partner_rep_opens_a_case_on_its_deal(self, api, partner_a, partner_a_rep, manager):
        partner_a.manager = manager
        partner_a.save()
        deal = DealFactory(partner=partner_a)

        response = api.as_user(partner_a_rep).post(
            CASES, {"subject": "Bravo claims our customer", "description": "We registered first.", "deal": deal.pk}
        )

        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["partner"], body["deal"], body["kind"], body["status"]) == (
            partner_a.pk,
            deal.pk,
            "deal_conflict",
            "open",
        )
        assert (body["owner"], body["is_overdue"], body["allowed_transitions"]) == (
            manager.pk,
            False,
            ["closed", "in_review"],
        )

    def test_another_partners_deal_reads_as_missing(self, api, partner_a_rep, partner_b):
        response = api.as_user(partner_a_rep).post(
            CASES, {"subject": "x", "description": "y", "deal": DealFactory(partner=partner_b).pk}
        )
        assert response.status_code == 400
        assert "does not exist" in response.json()["deal"][0]

    def test_a_partner_cannot_pick_a_staff_owner_it_cannot_see(self, api, partner_a_rep, manager):
        response = api.as_user(partner_a_rep).post(CASES, {"subject": "x", "description": "y", "owner": manager.pk})
        assert response.status_code == 400 and "owner" in response.json()

    def test_staff_open_for_a_partner_and_must_name_it(self, api, manager, partner_b):
        assert api.as_user(manager).post(CASES, {"subject": "x", "description": "y"}).status_code == 400
        response = api.as_user(manager).post(
            CASES,
            {
                "subject": "MDF claim rejected",
                "description": "Receipts were late.",
                "kind": "mdf",
                "partner": partner_b.pk,
            },
        )
        assert response.status_code == 201
        assert response.json()["partner"] == partner_b.pk

    def test_bad_input_is_400_per_field(self, api, partner_a_rep):
        response = api.as_user(partner_a_rep).post(CASES, {"subject": "", "kind": "gossip"})
        assert response.status_code == 400
        assert {"subject", "description", "kind"} <= set(response.json())


class TestList:
    def test_a_partner_sees_only_its_own_cases(self, api, partner_a, partner_b, partner_a_rep):
        mine = CaseFactory(partner=partner_a)
        CaseFactory(partner=partner_b)
        rows = api.as_user(partner_a_rep).get(CASES).json()["results"]
        assert [r["id"] for r in rows] == [mine.pk]

    def test_filters(self, api, manager, partner_a, partner_b):
        CaseFactory(partner=partner_b, kind="mdf")
        late = CaseFactory(partner=partner_a, kind="commission", due_at=timezone.now() - timedelta(hours=1))
        in_review = CaseFactory(partner=partner_b, kind="mdf", status="in_review", owner=manager)
        done = CaseFactory(
            partner=partner_a, status="resolved", resolution="ok", due_at=timezone.now() - timedelta(days=9)
        )
        client = api.as_user(manager)

        def ids(**params):
            return sorted(r["id"] for r in client.get(CASES, params).json()["results"])

        assert ids(status="in_review") == [in_review.pk]
        assert ids(kind="commission") == [late.pk]
        assert ids(partner=partner_a.pk) == sorted([late.pk, done.pk])
        assert ids(owner=manager.pk) == [in_review.pk]
        assert ids(overdue="true") == [late.pk]
        assert late.pk not in ids(overdue="false") and done.pk in ids(overdue="false")

    def test_list_queries_do_not_grow_with_rows(self, api, manager, partner_a, django_assert_max_num_queries):
        CaseFactory.create_batch(2, partner=partner_a, owner=manager)
        client = api.as_user(manager)
        with django_assert_max_num_queries(8) as few:
            client.get(CASES)
        CaseFactory.create_batch(20, partner=partner_a, owner=manager)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get(CASES).json()["count"] == 22


class TestActions:
    def test_staff_review_then_resolve_and_the_partner_reads_the_resolution(
        self, api, manager, partner_a, partner_a_rep
    ):
        case = CaseFactory(partner=partner_a)
        staff = api.as_user(manager)
        assert staff.post(_url(case, "resolve"), {"resolution": "Yes."}).status_code == 409  # review first

        assert staff.post(_url(case, "review")).json()["status"] == "in_review"
        assert staff.post(_url(case, "resolve"), {}).status_code == 400
        resolved = staff.post(_url(case, "resolve"), {"resolution": "Deal protection goes to Alpha."})
        assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"

        again = staff.post(_url(case, "resolve"), {"resolution": "Again."})
        assert again.status_code == 409
        assert "already resolved" in again.json()["detail"]

        mine = api.as_user(partner_a_rep).get(_url(case)).json()
        assert (mine["status"], mine["resolution"]) == ("resolved", "Deal protection goes to Alpha.")

    def test_a_partner_cannot_review_or_resolve_but_can_withdraw_its_open_case(self, api, partner_a, partner_a_rep):
        case = CaseFactory(partner=partner_a)
        client = api.as_user(partner_a_rep)
        assert client.post(_url(case, "review")).status_code == 403
        assert client.post(_url(case, "resolve"), {"resolution": "We win."}).status_code == 403
        assert client.post(_url(case, "assign"), {"owner": partner_a_rep.pk}).status_code == 403

        closed = client.post(_url(case, "close"), {"reason": "Resolved with the customer."})
        assert closed.status_code == 200 and closed.json()["status"] == "closed"
        assert client.post(_url(case, "close")).status_code == 409

    def test_assign(self, api, manager, finance, partner_a):
        case = CaseFactory(partner=partner_a, owner=manager)
        response = api.as_user(manager).post(_url(case, "assign"), {"owner": finance.pk})
        assert response.status_code == 200 and response.json()["owner"] == finance.pk

    def test_history_shows_the_status_changes(self, api, manager, partner_a):
        case = CaseFactory(partner=partner_a)
        api.as_user(manager).post(_url(case, "review"))
        entries = api.as_user(manager).get(_url(case, "history")).json()
        assert any(e["changes"].get("status", {}).get("after") == "in_review" for e in entries)


class TestThread:
    def test_internal_notes_never_reach_the_partner(self, api, manager, partner_a, partner_a_admin, partner_a_rep):
        case = CaseFactory(partner=partner_a)
        staff = api.as_user(manager)
        assert staff.post(_url(case, "messages"), {"body": "We are checking the dates."}).status_code == 201
        note = staff.post(_url(case, "messages"), {"body": "INTERNAL: their rep is pushy", "internal": True})
        assert note.status_code == 201 and note.json()["internal"] is True
        assert len(staff.get(_url(case, "messages")).json()) == 2

        for user in (partner_a_admin, partner_a_rep):
            thread = api.as_user(user).get(_url(case, "messages"))
            assert [m["body"] for m in thread.json()] == ["We are checking the dates."]
            assert "INTERNAL" not in api.as_user(user).get(_url(case)).content.decode()
        history = api.as_user(partner_a_admin).get(_url(case, "history"))
        assert history.status_code == 200 and "INTERNAL" not in history.content.decode()

    def test_a_partner_posts_but_cannot_write_internal_notes(self, api, partner_a, partner_a_rep):
        case = CaseFactory(partner=partner_a)
        client = api.as_user(partner_a_rep)
        response = client.post(_url(case, "messages"), {"body": "Any news?"})
        assert response.status_code == 201
        assert (response.json()["from_vendor"], response.json()["author"]) == (False, partner_a_rep.pk)
        assert client.post(_url(case, "messages"), {"body": "psst", "internal": True}).status_code == 400
        assert OutboxEvent.objects.filter(name="case.message_posted").count() == 1

    def test_no_messages_once_finished(self, api, partner_a, partner_a_rep):
        case = CaseFactory(partner=partner_a, status="closed")
        assert api.as_user(partner_a_rep).post(_url(case, "messages"), {"body": "But"}).status_code == 409

    def test_another_organizations_thread_is_404(self, api, partner_a, partner_b_rep):
        message = CaseMessageFactory(case=CaseFactory(partner=partner_a))
        assert api.as_user(partner_b_rep).get(_url(message.case, "messages")).status_code == 404
        assert Case.objects.count() == 1
