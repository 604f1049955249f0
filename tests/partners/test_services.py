from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from partners import services
from partners.models import Partner, PartnerStatus
from prm.accounts.roles import Role
from prm.events.models import OutboxEvent

from ..factories import AgreementFactory, PartnerUserFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _data(**overrides):
    return {
        "name": "Contoso Ltd",
        "domain": "https://www.Contoso.com/about",
        "country": "FR",
        "partner_type": "msp",
        **overrides,
    }


def test_partner_create_normalizes_the_domain_and_records_event_and_audit(program_admin):
    partner = services.partner_create(actor=program_admin, data=_data())

    assert partner.domain == "contoso.com"
    event = OutboxEvent.objects.get(name="partner.created")
    assert (event.aggregate_id, event.partner_id, event.actor) == (str(partner.pk), partner.pk, program_admin)
    entry = LogEntry.objects.get_for_object(partner).get()
    assert entry.actor == program_admin
    assert entry.changes_dict["name"][1] == "Contoso Ltd"


@pytest.mark.parametrize("spelling", ["contoso.com", "CONTOSO.COM", "http://contoso.com/", "www.contoso.com"])
def test_partner_create_refuses_a_domain_another_partner_has_in_any_spelling(program_admin, spelling):
    services.partner_create(actor=program_admin, data=_data())

    with pytest.raises(ValidationError) as exc:
        services.partner_create(actor=program_admin, data=_data(name="Other", domain=spelling))

    assert exc.value.message_dict == {"domain": ["A partner with this domain already exists."]}
    assert Partner.objects.count() == 1
    assert OutboxEvent.objects.filter(name="partner.created").count() == 1


@pytest.mark.parametrize("bad", ["not a domain", "localhost", "exa mple.com", "-bad-.com", ""])
def test_partner_create_refuses_what_is_not_a_domain(program_admin, bad):
    with pytest.raises(ValidationError) as exc:
        services.partner_create(actor=program_admin, data=_data(domain=bad))
    assert "domain" in exc.value.message_dict


def test_partner_manager_must_be_active_staff(program_admin, partner_a_rep):
    with pytest.raises(ValidationError) as exc:
        services.partner_create(actor=program_admin, data=_data(manager=partner_a_rep))
    assert "manager" in exc.value.message_dict
    assert not Partner.objects.filter(name="Contoso Ltd").exists()


def test_partner_update_emits_status_and_tier_changes_and_skips_no_op_writes(program_admin, partner_a, gold_tier):
    services.partner_update(actor=program_admin, partner=partner_a, data={"name": partner_a.name})
    assert OutboxEvent.objects.count() == 0

    services.partner_update(
        actor=program_admin, partner=partner_a, data={"status": PartnerStatus.SUSPENDED, "tier": None}
    )

    names = list(OutboxEvent.objects.values_list("name", flat=True))
    assert names == ["partner.updated", "partner.status_changed", "partner.tier_changed"]
    status_event = OutboxEvent.objects.get(name="partner.status_changed")
    assert status_event.payload == {"from": "active", "to": "suspended"}
    update = LogEntry.objects.get_for_object(partner_a).latest("timestamp")
    assert update.changes_dict["status"] == ["active", "suspended"]
    assert update.actor == program_admin


def test_agreement_update_refuses_an_end_before_the_start(program_admin, partner_a):
    agreement = AgreementFactory(partner=partner_a)
    with pytest.raises(ValidationError) as exc:
        services.agreement_update(
            actor=program_admin, agreement=agreement, data={"expires_on": agreement.starts_on - timedelta(days=1)}
        )
    assert "expires_on" in exc.value.message_dict


class TestExpiryReminders:
    def test_reminds_partner_admins_and_the_manager_once(
        self, partner_a, partner_a_admin, partner_a_rep, django_capture_on_commit_callbacks
    ):
        cam = StaffFactory(email="cam@vendor.example")
        partner_a.manager = cam
        partner_a.save()
        today = timezone.localdate()
        soon = AgreementFactory(partner=partner_a, title="Reseller 2026", expires_on=today + timedelta(days=10))
        AgreementFactory(partner=partner_a, title="Far away", expires_on=today + timedelta(days=200))
        AgreementFactory(partner=partner_a, title="Already over", expires_on=today - timedelta(days=1))

        with django_capture_on_commit_callbacks(execute=True):  # the mail goes out after the commit
            assert services.agreements_remind_expiring(today=today) == 1

        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert sorted(message.to) == ["admin@alpha.example", "cam@vendor.example"]
        assert "Reseller 2026" in message.subject and "10 days" in message.subject
        soon.refresh_from_db()
        assert soon.expiry_reminder_sent_on == today
        assert OutboxEvent.objects.filter(name="agreement.expiring", aggregate_id=str(soon.pk)).count() == 1

        # a re-run (a retried task, the next beat tick) sends nothing twice
        assert services.agreements_remind_expiring(today=today) == 0
        assert len(mail.outbox) == 1

    def test_a_renewed_agreement_is_reminded_again_before_its_new_end(
        self, program_admin, partner_a, partner_a_admin, django_capture_on_commit_callbacks
    ):
        today = timezone.localdate()
        agreement = AgreementFactory(partner=partner_a, expires_on=today + timedelta(days=5))
        with django_capture_on_commit_callbacks(execute=True):
            services.agreements_remind_expiring(today=today)

        services.agreement_update(
            actor=program_admin, agreement=agreement, data={"expires_on": today + timedelta(days=400)}
        )
        later = today + timedelta(days=380)

        with django_capture_on_commit_callbacks(execute=True):
            assert services.agreements_remind_expiring(today=later) == 1
        assert len(mail.outbox) == 2

    def test_deactivated_admins_are_not_emailed(self, partner_a, django_capture_on_commit_callbacks):
        PartnerUserFactory(partner=partner_a, role=Role.PARTNER_ADMIN, email="gone@alpha.example", is_active=False)
        AgreementFactory(partner=partner_a, expires_on=timezone.localdate() + timedelta(days=3))

        with django_capture_on_commit_callbacks(execute=True):
            assert services.agreements_remind_expiring(today=timezone.localdate()) == 1
        assert mail.outbox == []
