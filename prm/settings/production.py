"""Production: no secret defaults, HTTPS everywhere, compressed static files. `check --deploy` is clean."""

from prm.cache import cache_settings, cache_url_beside_broker

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")  # required: no default
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")  # required: no default

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# The shared cache: CACHE_URL (or REDIS_CACHE_URL), else the broker's Redis on the next database number.
_broker_url = env("CELERY_BROKER_URL", default="")
_cache_url = env("CACHE_URL", default="") or env("REDIS_CACHE_URL", default="") or cache_url_beside_broker(_broker_url)
CACHES = {"default": cache_settings(_cache_url, broker_url=_broker_url)}
