"""Forms that render the onboarding and enablement pages. Validation is the serializers' (serializers.py)."""

from django import forms
from django_countries import countries

from partners.models import PartnerType, Tier
from prm import tenancy
from prm.forms import StyledForm

from .models import Course, ModuleKind, ResourceCategory, StepOwner


class AudienceFields(StyledForm):
    audience_tiers = forms.ModelMultipleChoiceField(
        queryset=Tier.objects.none(), required=False, label="Tiers", help_text="None selected: every tier."
    )
    audience_partner_types = forms.MultipleChoiceField(
        choices=PartnerType.choices, required=False, label="Partner types", help_text="None selected: every type."
    )
    audience_countries = forms.MultipleChoiceField(
        choices=list(countries), required=False, label="Countries", help_text="None selected: every country."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience_tiers"].queryset = tenancy.scope(
            Tier.objects.all(), self.request.user if self.request else None
        )
        self.fields["audience_countries"].widget.attrs["size"] = 6


class CourseForm(AudienceFields):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000)
    pass_mark_percent = forms.IntegerField(min_value=1, max_value=100, label="Pass mark (%)")
    validity_months = forms.IntegerField(min_value=1, max_value=120, label="Certification valid for (months)")
    published = forms.BooleanField(required=False, help_text="Partners see published courses only.")

    field_order = ["title", "pass_mark_percent", "validity_months", "description", "published"]


class CourseModuleForm(StyledForm):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=ModuleKind.choices)
    order = forms.IntegerField(min_value=0, required=False, help_text="Modules are shown in this order.")
    url = forms.URLField(required=False, max_length=500, assume_scheme="https", label="Link (for a link module)")
    file = forms.FileField(required=False, label="File (for a file module)", help_text="PDF, Office, image, CSV.")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        label="Text (for a text module)",
        help_text="Basic HTML is kept (paragraphs, lists, links, headings); anything else is removed.",
    )


class QuizQuestionForm(StyledForm):
    text = forms.CharField(max_length=500, label="Question")
    choice_1 = forms.CharField(max_length=300, label="Choice 1")
    choice_2 = forms.CharField(max_length=300, label="Choice 2")
    choice_3 = forms.CharField(max_length=300, required=False, label="Choice 3")
    choice_4 = forms.CharField(max_length=300, required=False, label="Choice 4")
    correct = forms.ChoiceField(
        choices=[("1", "Choice 1"), ("2", "Choice 2"), ("3", "Choice 3"), ("4", "Choice 4")],
        label="Correct answer",
    )


class ResourceForm(AudienceFields):
    title = forms.CharField(max_length=200)
    category = forms.ChoiceField(choices=ResourceCategory.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000)
    file = forms.FileField(required=False, help_text="A new file or link makes a new version; the latest is served.")
    url = forms.URLField(required=False, max_length=500, assume_scheme="https", label="…or a link")
    note = forms.CharField(required=False, max_length=300, label="Version note")

    field_order = ["title", "category", "file", "url", "note", "description"]


class TemplateForm(StyledForm):
    name = forms.CharField(max_length=200)
    partner_type = forms.ChoiceField(choices=PartnerType.choices, label="For partners of type")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


class TemplateStepForm(StyledForm):
    title = forms.CharField(max_length=200)
    owner = forms.ChoiceField(choices=StepOwner.choices, label="Done by")
    due_offset_days = forms.IntegerField(min_value=0, max_value=365, label="Due after (days)")
    order = forms.IntegerField(min_value=0, required=False)
    required_course = forms.ModelChoiceField(queryset=Course.objects.none(), required=False, empty_label="No course")
    requires_document = forms.BooleanField(required=False, label="The partner uploads a document")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["required_course"].queryset = tenancy.scope(
            Course.objects.all(), self.request.user if self.request else None
        )
