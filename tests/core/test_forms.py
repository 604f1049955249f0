"""prm/forms.py: LargeSelect writes the markup Django's Select writes (same options, the same one selected, the
same attributes), without a template per option."""

import pytest
from django import forms
from django.test.html import parse_html

from partners.models import Partner
from prm.forms import LargeSelect, StyledForm

from ..factories import PartnerFactory


def _form(widget, data=None):
    class PartnerForm(StyledForm):
        partner = forms.ModelChoiceField(queryset=Partner.objects.order_by("name"), widget=widget)

    return PartnerForm(data=data)


@pytest.mark.django_db
@pytest.mark.parametrize("bound", [False, True], ids=["unbound", "bound"])
def test_large_select_writes_what_select_writes(bound):
    partners = [PartnerFactory(name=name) for name in ("Alpha & Sons", "Bravo <Systems>", 'Charlie "Q"')]
    data = {"partner": str(partners[1].pk)} if bound else None
    django_select = str(_form(forms.Select, data)["partner"])
    large_select = str(_form(LargeSelect, data)["partner"])
    assert parse_html(large_select) == parse_html(django_select)
    assert "Bravo &lt;Systems&gt;" in large_select  # names are escaped
    assert (f'value="{partners[1].pk}" selected' in large_select) is bound


@pytest.mark.django_db
def test_a_bad_choice_is_refused_with_the_selects_message():
    form = _form(LargeSelect, {"partner": "999999"})
    assert not form.is_valid()
    assert "Select a valid choice" in form.errors["partner"][0]
    assert 'aria-invalid="true"' in str(form["partner"])
