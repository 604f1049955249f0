"""Enumerate every routed API viewset and page, so the isolation tests cover routes added later."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from prm.api.urls import router


@dataclass
class PageRoute:
    name: str  # "namespace:name"
    route: str
    view_class: type | None
    kwargs: list[str]


def page_routes() -> list[PageRoute]:
    routes: list[PageRoute] = []

    def walk(patterns, prefix="", namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                if ns:
                    ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else ns
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if route.startswith(("api/", "admin/")) or not p.name:
                    continue
                name = f"{namespace}:{p.name}" if namespace else p.name
                routes.append(
                    PageRoute(name, route, getattr(p.callback, "view_class", None), list(p.pattern.converters))
                )

    walk(get_resolver().url_patterns)
    return routes


def api_viewsets():
    return list(router.registry)
