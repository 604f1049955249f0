"""The permission map is the only authority.

Every API action and every page, for every role, answers as `prm.permissions` says: what the map allows is not a
403, what it refuses is a 403. Routes are found by walking the router and the URL resolver (like the isolation
walk), so a new endpoint is covered without anyone remembering it."""

import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

from prm.plugins import DOMAIN_APPS

ROOT = Path(__file__).resolve().parents[2]
PERMISSION_MODULES = ["prm.permissions"] + [
    f"{app}.permissions" for app in DOMAIN_APPS if find_spec(app) and find_spec(f"{app}.permissions")
]


# --- the import-order trap -----------------------------------------------------------------------------------


@pytest.mark.parametrize("module", PERMISSION_MODULES)
def test_each_permissions_module_can_be_imported_first_in_a_fresh_interpreter(module):
    # prm.permissions imports every <app>.permissions to build the one map; an app module that imported
    # prm.permissions back failed when it was the first one imported (a circular import)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "prm.settings.test"}
    code = f"import {module}; import prm.permissions; assert prm.permissions.has_perm"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
