"""Local development: debug on, a throwaway secret, everything embedded unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="local-development-only-secret-key-not-for-production-use-0123456789")
