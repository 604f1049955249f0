"""URL names are defined once per namespace.

Apps join their routes into shared namespaces (`manage`, `portal`, the API router); `reverse()` answers with the
last definition of a name while the resolver serves the first one for a path, so a name defined twice silently
hides a page (the "coming soon" routes in partners/urls.py hid the real incentives and performance pages)."""

from collections import Counter

from django.urls import URLPattern, URLResolver, get_resolver, reverse

WATCHED_NAMESPACES = {"manage", "portal", ""}


def _definitions_by_namespace() -> dict[str, Counter]:
    """How many routes define each name, per namespace (the root namespace, "", holds the API router's names).
    DRF's format-suffix twins (`partners.json` beside `partners/`) reuse the name of the route they extend and are
    not counted: they are that route, not a second definition."""
    found: dict[str, Counter] = {}

    def walk(patterns, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{namespace}:{p.namespace}".strip(":") if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name and not _is_format_suffix_twin(str(p.pattern)):
                found.setdefault(namespace, Counter())[p.name] += 1

    walk(get_resolver().url_patterns, "")
    return found


def _is_format_suffix_twin(route: str) -> bool:
    return "(?P<format>" in route or "<drf_format_suffix:format>" in route


def test_no_url_name_is_defined_twice_in_the_manage_portal_or_api_namespaces():
    duplicates = {
        ns: sorted(name for name, count in counter.items() if count > 1)
        for ns, counter in _definitions_by_namespace().items()
        if ns in WATCHED_NAMESPACES
    }
    assert {ns: names for ns, names in duplicates.items() if names} == {}


def test_every_api_basename_is_registered_once():
    from prm.api.urls import router

    basenames = Counter(basename for _, _, basename in router.registry)
    assert [b for b, count in basenames.items() if count > 1] == []


def test_the_navigation_names_of_incentives_and_performance_resolve_to_their_pages():
    assert reverse("manage:incentives") == "/manage/incentives/"
    assert reverse("manage:mdf") == "/manage/mdf/"
    assert reverse("manage:performance") == "/manage/performance/"
