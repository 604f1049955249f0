from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from prm.forms import option_tags
from prm.permissions import has_perm

register = template.Library()

#: stands for the id while a URL is reversed once per page; any id the pattern's <int:...> accepts would do
_ID_MARK = 987654321


@register.filter
def can(user, permission: str) -> bool:
    """`{% if user|can:"partner.manage" %}`: templates ask the same permission map as the views."""
    return has_perm(user, permission)


@register.simple_tag
def select_options(choices, selected) -> str:
    """`{% select_options field.choices bound_field.value %}`: an `<option value="…">label</option>` for each
    (value, label), with ` selected` when `value in selected` (a list of values, or None) — what a template loop
    writes, in one call rather than a loop of ~250 countries, each a handful of variable lookups. Values and
    labels are escaped as `{{ }}` escapes them."""
    return mark_safe(option_tags(choices, selected))  # noqa: S308 (every value and label escaped)


@register.simple_tag(takes_context=True)
def id_url(context, view_name: str, pk) -> str:
    """`{% id_url "manage:deal-detail" deal.pk %}`: what `{% url %}` gives for a view taking one integer id, with
    the URL reversed once per page and the id put in its place after that. A list links each of its rows this way:
    25 rows cost one `reverse()`, not 25."""
    current_app = _current_app(context)
    if type(pk) is not int or pk < 0:
        return reverse(view_name, args=[pk], current_app=current_app)
    # the page's own render state (an include gets a fresh one of its own; the page's outlives the includes)
    cache = context.render_context.dicts[0].setdefault(id_url, {})
    if view_name not in cache:
        url, mark = reverse(view_name, args=[_ID_MARK], current_app=current_app), str(_ID_MARK)
        cache[view_name] = tuple(url.split(mark)) if url.count(mark) == 1 else None
    parts = cache[view_name]
    if parts is None:
        return reverse(view_name, args=[pk], current_app=current_app)
    return f"{parts[0]}{pk}{parts[1]}"


def _current_app(context) -> str | None:
    """The namespace `{% url %}` reverses in (django.template.defaulttags.URLNode)."""
    request = context.get("request")
    current_app = getattr(request, "current_app", None)
    if current_app is None and getattr(request, "resolver_match", None) is not None:
        current_app = request.resolver_match.namespace
    return current_app
