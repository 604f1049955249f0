import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType

from partners.models import Partner
from prm import audit

pytestmark = pytest.mark.django_db


def test_history_reads_field_changes_and_many_to_many_changes(partner_a, program_admin):
    ct = ContentType.objects.get_for_model(Partner)
    LogEntry.objects.create(
        content_type=ct,
        object_pk=str(partner_a.pk),
        object_repr="Alpha",
        action=LogEntry.Action.UPDATE,
        changes={"status": ["active", "suspended"]},
        actor=program_admin,
    )
    LogEntry.objects.create(
        content_type=ct,
        object_pk=str(partner_a.pk),
        object_repr="Alpha",
        action=LogEntry.Action.UPDATE,
        changes={"audience_tiers": {"type": "m2m", "operation": "add", "objects": ["Gold", "Silver"]}},
    )
    LogEntry.objects.create(
        content_type=ct,
        object_pk=str(partner_a.pk),
        object_repr="Alpha",
        action=LogEntry.Action.UPDATE,
        changes={"audience_tiers": {"type": "m2m", "operation": "delete", "objects": ["Silver"]}},
    )

    history = audit.history_for(partner_a)
    changes = [entry["changes"] for entry in history]

    assert {"status": {"before": "active", "after": "suspended"}} in changes
    assert {"audience_tiers": {"before": None, "after": "Gold, Silver"}} in changes
    assert {"audience_tiers": {"before": "Silver", "after": None}} in changes
    assert auditlog.contains(Partner)
