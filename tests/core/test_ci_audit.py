"""The CI audit step (.ci/audit.py) fails on a found vulnerability and says so when the service cannot be reached
(pip-audit alone calls a run that could look nothing up "no known vulnerabilities")."""

import importlib.util

from django.conf import settings

_spec = importlib.util.spec_from_file_location("ci_audit", settings.BASE_DIR / ".ci" / "audit.py")
audit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(audit)


def test_a_known_python_vulnerability_fails_the_build():
    deps = [{"name": "django", "version": "4.2.0", "vulns": [{"id": "PYSEC-2023-1", "fix_versions": ["4.2.1"]}]}]
    passed, lines = audit.judge_pip(deps)
    assert passed is False
    assert "django 4.2.0: PYSEC-2023-1 (fixed in: 4.2.1)" in lines[0]


def test_packages_the_service_could_not_look_up_are_reported_not_passed_off_as_clean():
    deps = [{"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited"}]
    passed, lines = audit.judge_pip(deps)
    assert passed is True
    assert "NOT CHECKED for 1 of 1 packages" in lines[0]


def test_a_high_npm_vulnerability_fails_and_an_unreachable_service_does_not():
    found = {"metadata": {"vulnerabilities": {"high": 1}}, "vulnerabilities": {"x": {"severity": "high"}}}
    unreachable = {"error": {"summary": ""}, "message": "405 Method Not Allowed"}
    passed, lines = audit.judge_npm(unreachable)
    assert audit.judge_npm(found)[0] is False
    assert passed is True
    assert "COULD NOT RUN" in lines[0]
    assert audit.judge_npm({"metadata": {"vulnerabilities": {"low": 2}}})[0] is True
