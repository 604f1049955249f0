"""Mail from services goes out after the commit, through one helper (prm/notify.py): a rollback sends nothing."""

import pytest
from django.core import mail
from django.db import transaction

from deals import lead_services
from prm.accounts.roles import Role
from prm.notify import notify_partner_admins, partner_admin_emails, send_after_commit

from ..deals.factories import LeadFactory
from ..factories import PartnerUserFactory


class Boom(Exception):
    pass


def test_mail_waits_for_the_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_after_commit([("Hello", "Body", ["a@example.com", "a@example.com"]), ("Nobody", "Body", [])])
        assert mail.outbox == []  # not before the commit

    [message] = mail.outbox
    assert (message.subject, message.to) == ("Hello", ["a@example.com"])


def test_a_rollback_sends_nothing(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom), transaction.atomic():
        send_after_commit([("Hello", "Body", ["a@example.com"])])
        raise Boom

    assert callbacks == []
    assert mail.outbox == []


def test_a_service_whose_transaction_rolls_back_sends_no_mail(
    manager, partner_a, partner_a_admin, django_capture_on_commit_callbacks
):
    # lead_offer mails the partner's admins; here the caller's transaction fails after it
    lead = LeadFactory()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Boom), transaction.atomic():
        lead_services.lead_offer(actor=manager, lead=lead, partner=partner_a)
        raise Boom

    assert mail.outbox == []
    lead.refresh_from_db()
    assert lead.status == "new"


def test_the_same_service_mails_the_partner_admins_once_it_commits(
    manager, partner_a, partner_a_admin, partner_a_rep, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lead_services.lead_offer(actor=manager, lead=LeadFactory(), partner=partner_a)

    [message] = mail.outbox
    assert message.to == [partner_a_admin.email]  # the admins, not the rep


def test_notify_partner_admins_reaches_only_that_partners_active_admins(
    partner_a, partner_a_admin, partner_a_rep, partner_b_admin, django_capture_on_commit_callbacks
):
    PartnerUserFactory(partner=partner_a, role=Role.PARTNER_ADMIN, email="gone@alpha.example", is_active=False)
    second = PartnerUserFactory(partner=partner_a, role=Role.PARTNER_ADMIN, email="aaa@alpha.example")

    with django_capture_on_commit_callbacks(execute=True):
        recipients = notify_partner_admins(partner_a, "Subject", "Body")

    assert recipients == [second.email, partner_a_admin.email]
    [message] = mail.outbox
    assert sorted(message.to) == sorted(recipients)


def test_partner_admin_emails_answers_for_many_partners_in_one_query(
    partner_a, partner_a_admin, partner_b, partner_b_admin, django_assert_num_queries
):
    with django_assert_num_queries(1):
        emails = partner_admin_emails([partner_a.pk, partner_b.pk])

    assert emails == {partner_a.pk: [partner_a_admin.email], partner_b.pk: [partner_b_admin.email]}
