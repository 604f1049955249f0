"""The forms of the payout statement pages: closing a period and recording a payment (validated again by the
API's serializers, written by the same services)."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from prm.forms import DateInput, StyledForm


def last_month() -> tuple[date, date]:
    """The month before today's: the period a close usually covers."""
    end = timezone.localdate().replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


class GenerateForm(StyledForm):
    period_start = forms.DateField(widget=DateInput(), label="First day")
    period_end = forms.DateField(
        widget=DateInput(), label="Last day", help_text="Lines made on or before this day are put on the statements."
    )

    def __init__(self, *args, **kwargs):
        start, end = last_month()
        kwargs.setdefault("initial", {"period_start": start, "period_end": end})
        super().__init__(*args, **kwargs)


class MarkPaidForm(StyledForm):
    payment_reference = forms.CharField(
        max_length=100,
        required=False,
        label="Payment reference",
        help_text="The transfer's reference in the payment system (optional).",
    )
