"""Production settings: `check --deploy` is clean, and no secret has a default."""

import os
import subprocess
import sys

from django.conf import settings

PROJECT = settings.BASE_DIR


def _manage(*args, **env):
    drop = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")  # the last: set by e2e tests
    base = {k: v for k, v in os.environ.items() if k not in drop}
    base.update({"DJANGO_SETTINGS_MODULE": "prm.settings.production", **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT, env=base, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="x9" * 30 + "-a-long-random-production-secret",
        ALLOWED_HOSTS="prm.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", ALLOWED_HOSTS="prm.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_embedded_default_needs_no_services():
    """With nothing configured, tasks run in-process and the database is a local SQLite file."""
    code = (
        "import django,os;os.environ['DJANGO_SETTINGS_MODULE']='prm.settings.local';django.setup();"
        "from django.conf import settings as s;"
        "print(s.CELERY_TASK_ALWAYS_EAGER, s.DATABASES['default']['ENGINE'], s.EMAIL_BACKEND)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL")}
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == [
        "True",
        "django.db.backends.sqlite3",
        "django.core.mail.backends.console.EmailBackend",
    ]
