from django import forms
from django.contrib.auth.forms import AuthenticationForm

from prm.forms import StyledForm

from .roles import Role


class InviteUserForm(StyledForm):
    email = forms.EmailField(max_length=254)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    title = forms.CharField(max_length=100, required=False, label="Job title")
    role = forms.ChoiceField(
        choices=[(Role.PARTNER_REP.value, "Partner rep"), (Role.PARTNER_ADMIN.value, "Partner admin")],
        help_text="Admins manage the organization's users; reps register deals and take training.",
    )


class ApiKeyForm(StyledForm):
    name = forms.CharField(max_length=50, help_text="What will use it, e.g. “CRM sync”.")
    read_only = forms.BooleanField(required=False, initial=True, label="Read-only")


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label="Email",
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "class": "form-control"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "class": "form-control"}),
    )
