from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe


class StyledForm(forms.Form):
    """Bootstrap classes on every widget; `request` is kept so choices can be scoped to the caller."""

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if field.required and not isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("required", True)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class LargeSelect(forms.Select):
    """A select of thousands of options (a program's partners), written in one pass.

    Django renders each option through its own template: at 10,000 partners a page with a partner select spent
    2–3 seconds rendering 20,000 templates. This writes the same markup (the options, the selected one, the
    attributes the form gives the widget) with plain string joins, every value and label escaped (the standard
    library's escape: Django's goes through a lazy-string wrapper, a third of the time here). No option groups:
    a flat list only. Give it a queryset that reads only what the labels need (partners.selectors.
    partner_choices)."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        selected = set(self.format_value(value))
        options = []
        for option_value, label in self.choices:
            key = "" if option_value is None else str(option_value)
            mark = " selected" if key in selected else ""
            options.append(f'<option value="{escape(key)}"{mark}>{escape(str(label))}</option>')
        return mark_safe(f"<select{flatatt(final)}>{''.join(options)}</select>")  # noqa: S308 (every part escaped)
