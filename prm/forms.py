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


def option_tags(choices, selected) -> str:
    """`<option value="…">label</option>` for each (value, label), with ` selected` when `value in selected` (a
    collection, or None: nothing selected), values and labels escaped as `{{ }}` escapes them — in one pass. A
    template loop, or Django's Select with its template per option, costs a few lookups per option: 250 countries
    on a filter bar, or 10,000 partners in a form, made that the slowest part of a page."""
    return "".join(
        f'<option value="{_escape(value)}"{" selected" if _among(value, selected) else ""}>{_escape(label)}</option>'
        for value, label in choices
    )


def _escape(value) -> str:
    """conditional_escape(), without its lazy-string wrapper (a call per value of a long list)."""
    return value.__html__() if hasattr(value, "__html__") else escape(str(value))


def _among(value, selected) -> bool:
    """`{% if value in selected %}`: an `in` that fails (selected is None) is false, as in a template."""
    try:
        return value in selected
    except TypeError:
        return False


class LargeSelect(forms.Select):
    """A select of thousands of options (a program's partners), written by `option_tags` in one pass: at 10,000
    partners Django's Select spent 2–3 seconds on a page rendering 20,000 templates. The same markup (the options,
    the selected one, the attributes the form gives the widget); no option groups, a flat list only. Give it a
    queryset that reads only what the labels need (partners.selectors.partner_choices)."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        choices = (("" if key is None else str(key), label) for key, label in self.choices)
        options = option_tags(choices, set(self.format_value(value)))
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 (every part escaped)
