"""Recalculate every partner's scorecards for the open month, quarter and trailing twelve months, now, in this
process (what the nightly beat job does). `make run` calls it, so the demo's scorecards are current on the day
it starts, with eager tasks and no worker."""

from django.core.management.base import BaseCommand

from performance.services import scorecards_recalculate_all


class Command(BaseCommand):
    help = "Recalculate all scorecards for the open periods (the nightly job, run now)."

    def handle(self, *args, **options):
        written = scorecards_recalculate_all()
        self.stdout.write(f"{written} scorecards recalculated.")
