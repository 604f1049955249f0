"""Forms that render the case pages. Validation is the serializers' (cases/serializers.py)."""

from django import forms

from prm import tenancy
from prm.forms import LargeSelect, StyledForm

from ..models import CaseKind, Partner
from ..selectors import partner_choices
from .filters import case_staff

DESCRIPTION_HELP = "What happened, what you expect, and any dates, amounts or deal numbers that matter."


class ManagerCaseForm(StyledForm):
    partner = forms.ModelChoiceField(queryset=Partner.objects.none(), widget=LargeSelect)
    kind = forms.ChoiceField(choices=CaseKind.choices, label="About")
    subject = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=5000, help_text=DESCRIPTION_HELP)
    deal = forms.IntegerField(
        required=False, label="Deal #", min_value=1, help_text="Optional: the partner's registration in dispute."
    )
    owner = forms.ModelChoiceField(
        queryset=case_staff().none(), required=False, help_text="Leave empty for the partner's channel manager."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.request.user if self.request else None
        self.fields["partner"].queryset = partner_choices(actor=user)
        self.fields["owner"].queryset = case_staff(user)


class PortalCaseForm(StyledForm):
    kind = forms.ChoiceField(choices=CaseKind.choices, label="About")
    subject = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=5000, help_text=DESCRIPTION_HELP)
    deal = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, help_text="Optional: the registration the dispute is about."
    )

    RECENT_DEALS = 200

    def __init__(self, *args, **kwargs):
        from deals.models import Deal

        super().__init__(*args, **kwargs)
        user = self.request.user if self.request else None
        # The organization's latest registrations (the serializer accepts any of its own by id).
        deals = tenancy.scope(Deal.objects.order_by("-id"), user)[: self.RECENT_DEALS]
        self.fields["deal"].choices = [("", "— none —")] + [
            (d.pk, f"#{d.pk} {d.customer_name} ({d.get_status_display()})") for d in deals
        ]


class MessageForm(StyledForm):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label="Message")
    internal = forms.BooleanField(required=False, label="Internal note (the partner never sees it)")


class ResolutionForm(StyledForm):
    resolution = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
