import pytest
from django.core.management import call_command

from partners.models import Case

pytestmark = pytest.mark.django_db


def test_demo_cases_in_several_statuses_one_on_a_deal_conflict_and_reruns_add_nothing():
    call_command("seed_demo", "--quiet")
    assert {"open", "in_review", "resolved"} <= set(Case.objects.values_list("status", flat=True))
    assert Case.objects.overdue().exists()
    assert Case.objects.get(status="in_review").messages.filter(internal=True).exists()

    # the late pass runs after the deals demo: the case on a deal conflict is there after the first run
    conflict_case = Case.objects.get(kind="deal_conflict", deal__isnull=False)
    assert conflict_case.deal.partner_id == conflict_case.partner_id
    assert conflict_case.deal.conflicts.exists()
    count = Case.objects.count()

    call_command("seed_demo", "--quiet")
    assert Case.objects.count() == count
