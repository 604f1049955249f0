"""Response headers that Django and django-csp do not set themselves, and sessions that end when idle."""

from django.conf import settings
from django.utils import timezone

SESSION_REFRESHED_AT = "_prm_refreshed_at"


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


class SessionIdleMiddleware:
    """A session ends PRM_SESSION_IDLE_MINUTES after its last request, without a database write on every request.

    The session's expiry (the row's `expire_date` and the cookie's max-age, both SESSION_COOKIE_AGE from the
    last save) is pushed forward by saving the session, and this saves it only when PRM_SESSION_REFRESH_SECONDS
    have passed since the last refresh (the time is kept in the session), or when the request changed the session
    anyway. So a session ends between the idle time minus that slack and the idle time after its last request.
    An empty session (a visitor who never signed in, or one just signed out) is never written. Listed after
    SessionMiddleware, so that it runs before the session is saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():  # no session cookie and nothing stored (is_empty loads nothing)
            return response
        refreshed_at = session.get(SESSION_REFRESHED_AT, 0)  # loads the session if nothing here has yet
        if session.is_empty():  # the cookie named a session that has ended
            return response
        now = _now()
        if session.modified or now - refreshed_at >= settings.PRM_SESSION_REFRESH_SECONDS:
            session[SESSION_REFRESHED_AT] = now  # modifies the session: SessionMiddleware saves it
        return response


def session_signed_in(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver (prm.accounts.apps): the session is saved at sign-in anyway, so it counts as a
    refresh, and the pages right after it write nothing either (also after a test client's `force_login`)."""
    request.session[SESSION_REFRESHED_AT] = _now()


def _now() -> int:
    return int(timezone.now().timestamp())
