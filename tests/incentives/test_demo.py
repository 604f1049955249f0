"""The demo shows incentives whole: programs, accruals (with a reversal and an adjustment), statements in every
status, MDF in every status, badges for the leaderboard — made through the services from the demo's deals."""

import pytest
from django.core.management import call_command

from incentives.models import (
    Accrual,
    Award,
    IncentiveProgram,
    MdfClaim,
    MdfRequest,
    PayoutStatement,
)

pytestmark = pytest.mark.django_db


def test_the_demo_has_incentives_in_every_status():
    call_command("seed_demo", "--quiet")

    assert set(IncentiveProgram.objects.values_list("kind", flat=True)) == {"rebate", "spiff", "volume_bonus"}
    kinds = set(Accrual.objects.values_list("kind", flat=True))
    assert {"accrual", "reversal", "adjustment", "mdf"} <= kinds
    assert set(PayoutStatement.objects.values_list("status", flat=True)) == {"draft", "approved", "paid"}
    assert set(MdfRequest.objects.values_list("status", flat=True)) == {"submitted", "approved", "rejected"}
    assert set(MdfClaim.objects.values_list("status", flat=True)) == {"submitted", "approved", "rejected"}
    assert Award.objects.exists()
    spiff = IncentiveProgram.objects.get(kind="spiff")
    assert spiff.committed <= spiff.budget_cap

    count = Accrual.objects.count()
    call_command("seed_demo", "--quiet")  # a second run adds nothing
    assert Accrual.objects.count() == count
