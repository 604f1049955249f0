"""The shortcuts the busy list pages take (issue 7) write what the plain template code they replace writes: a row's
link (`{% id_url %}` for `{% url %}`), a select's options (`{% select_options %}` for a loop), choices shared by every
request's form (FrozenChoices), the sidebar's links reversed once (prm.pages.navigation)."""

import copy

import pytest
from django import forms
from django.template import engines
from django.test import RequestFactory
from django.urls import NoReverseMatch, resolve, reverse, set_script_prefix

from prm.filters import FrozenChoices
from prm.pages import MANAGER_NAV, navigation


def _render(source: str, context: dict, request=None) -> str:
    return engines["django"].from_string(source).render(context, request)


def test_id_url_writes_what_url_writes():
    request = RequestFactory().get("/manage/deals/queue/")
    request.resolver_match = resolve("/manage/deals/queue/")
    ids = [1, 42, 1234567, 987654321]
    loop = "{% for pk in ids %}{% url 'manage:deal-detail' pk %}|{% endfor %}"
    fast = "{% load prm_tags %}{% for pk in ids %}{% id_url 'manage:deal-detail' pk %}|{% endfor %}"
    assert _render(fast, {"ids": ids}, request) == _render(loop, {"ids": ids}, request)
    assert _render(fast, {"ids": ids}) == "".join(f"{reverse('manage:deal-detail', args=[pk])}|" for pk in ids)


def test_id_url_reverses_what_it_cannot_fill_in():
    """A string id (a template's "12") is reversed as `{% url %}` would; `<int:pk>` refuses a negative one."""
    source = "{% load prm_tags %}{% id_url 'portal:deal-detail' pk %}"
    assert _render(source, {"pk": "12"}) == "/portal/deals/12/"
    with pytest.raises(Exception, match="Reverse"):
        _render(source, {"pk": -1})


@pytest.mark.parametrize("selected", [["DE", "FR"], ["GB"], [], None])
def test_select_options_writes_what_the_loop_writes(selected):
    choices = FrozenChoices([("DE", "Germany"), ("FR", "France"), ("GB", "United Kingdom"), ("X&", "<Odd> & co")])
    loop = (
        '{% for value, label in choices %}<option value="{{ value }}"{% if value in selected %} selected{% endif %}>'
        "{{ label }}</option>{% endfor %}"
    )
    fast = "{% load prm_tags %}{% select_options choices selected %}"
    context = {"choices": choices, "selected": selected}
    assert _render(fast, context) == _render(loop, context)


def test_frozen_choices_are_shared_by_every_copy_and_validate_as_a_list():
    choices = FrozenChoices([("a", "A"), ("b", "B")])
    field = forms.MultipleChoiceField(choices=choices)
    assert copy.deepcopy(field).choices is choices
    assert list(field.choices) == [("a", "A"), ("b", "B")]
    assert field.clean(["b"]) == ["b"]
    with pytest.raises(forms.ValidationError):
        field.clean(["c"])


@pytest.mark.django_db
def test_the_sidebar_links_are_reversed_for_the_url_configuration_in_use(manager):
    request = RequestFactory().get("/manage/deals/queue/")
    request.user = manager
    request.resolver_match = resolve(request.path)
    links = [link for section in navigation(request)["nav_sections"] for link in section["links"]]
    assert [link["url"] for link in links] == [
        url for _, items in MANAGER_NAV for _, name, _ in items if (url := _url(name))
    ]
    assert len([link for link in links if link["active"]]) == 1
    set_script_prefix("/prm/")  # a deployment under a path: the same links, under it
    try:
        urls = [link["url"] for section in navigation(request)["nav_sections"] for link in section["links"]]
    finally:
        set_script_prefix("/")
    assert urls == [f"/prm{link['url']}" for link in links]


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None
