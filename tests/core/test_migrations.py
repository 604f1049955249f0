import subprocess
import sys

from django.conf import settings


def test_models_and_migrations_agree():
    """A model change without its migration (or a migration that changes from run to run) fails here."""
    for _ in range(2):  # two processes: a set's order changes between them, and must not change a migration
        result = subprocess.run(
            [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
