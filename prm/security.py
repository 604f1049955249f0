"""Response headers that Django and django-csp do not set themselves."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """`Permissions-Policy` on every response: the portal uses no camera, microphone, location or payment API, so
    neither can a script that gets onto a page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PRM_PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PRM_PERMISSIONS_POLICY)
        return response
