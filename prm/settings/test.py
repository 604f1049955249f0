"""Tests: fast hashing, in-memory email, eager Celery unless a test starts a real worker."""

from .base import *  # noqa: F403
from .base import BASE_DIR, PRM_THROTTLE_RATES, env

DEBUG = False
SECRET_KEY = "test-secret-key-that-is-long-enough-for-django-and-not-used-anywhere-else-0123"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
ALLOWED_HOSTS = ["*"]
PRM_THROTTLE_RATES = {
    **PRM_THROTTLE_RATES,
    "anon": "10000/min",
    "user": "10000/min",
    "login": "10000/min",
    "conflict_check": "10000/min",
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "var" / "test-media"))
# Static files in tests come from the finders (live_server); WhiteNoise would only warn about STATIC_ROOT.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
