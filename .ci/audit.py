"""Known vulnerabilities in the pinned dependencies: pip-audit over the installed environment (the pins of
pyproject.toml and what they pull in) and `npm audit` over package-lock.json's runtime packages.

Fails on a found vulnerability (npm: high or critical). A vulnerability service that cannot be reached is not a
clean result: this prints that the audit could not run, loudly, and does not fail the build on the network.
(pip-audit reports "No known vulnerabilities found" even when it could not look a single package up, so its
per-package skip reasons are read here.)"""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIP_AUDIT = ROOT / ".venv" / "bin" / "pip-audit"


def judge_pip(deps: list[dict]) -> tuple[bool, list[str]]:
    """pip-audit's JSON `dependencies` → (passes, lines to print)."""
    found = [(d["name"], d.get("version", "?"), v) for d in deps for v in d.get("vulns", [])]
    skipped = [d["name"] for d in deps if d.get("skip_reason")]
    lines = [
        f"pip-audit: {name} {version}: {vuln['id']} (fixed in: {', '.join(vuln.get('fix_versions', [])) or '-'})"
        for name, version, vuln in found
    ]
    if found:
        return False, [*lines, f"pip-audit: FAILED: {len(found)} known vulnerabilities in {len(deps)} packages"]
    if skipped:
        more = "…" if len(skipped) > 8 else ""
        lines.append(
            f"pip-audit: NOT CHECKED for {len(skipped)} of {len(deps)} packages: the vulnerability service did not "
            f"answer for them (e.g. PyPI's JSON API unreachable from this network): {', '.join(skipped[:8])}{more}"
        )
    lines.append(f"pip-audit: no known vulnerabilities in the {len(deps) - len(skipped)} packages it could check")
    return True, lines


def judge_npm(report: dict) -> tuple[bool, list[str]]:
    """`npm audit --json` output → (passes, lines to print). High and critical findings fail."""
    if "error" in report or "metadata" not in report:
        reason = report.get("message", "no report")
        return True, [f"npm audit: COULD NOT RUN (the registry's audit service is unreachable from here): {reason}"]
    counts = report["metadata"].get("vulnerabilities", {})
    serious = counts.get("high", 0) + counts.get("critical", 0)
    lines = [
        f"npm audit: {name}: {v.get('severity')} {v.get('range', '')}"
        for name, v in report.get("vulnerabilities", {}).items()
    ]
    if serious:
        return False, [*lines, f"npm audit: FAILED: {serious} high or critical vulnerabilities in runtime packages"]
    return True, [*lines, f"npm audit: no high or critical vulnerabilities in runtime packages ({counts})"]


def pip_audit() -> tuple[bool, list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "pip-audit.json"
        args = [PIP_AUDIT, "--skip-editable", "--progress-spinner", "off", "-f", "json", "-o", report]
        run = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)  # noqa: S603 - fixed args
        if not report.exists() or not report.read_text().strip():
            tail = ((run.stderr or run.stdout).strip().splitlines() or ["no output"])[-1]
            return True, [f"pip-audit: COULD NOT RUN (vulnerability service unreachable?): {tail}"]
        return judge_pip(json.loads(report.read_text())["dependencies"])


def npm_audit() -> tuple[bool, list[str]]:
    npm = shutil.which("npm")
    if npm is None:
        return True, ["npm audit: COULD NOT RUN: npm is not installed"]
    run = subprocess.run(  # noqa: S603 - fixed args
        [npm, "audit", "--omit=dev", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    try:
        report = json.loads(run.stdout or "{}")
    except json.JSONDecodeError:
        report = {"error": True, "message": (run.stderr.strip().splitlines() or ["unreadable output"])[-1]}
    return judge_npm(report)


if __name__ == "__main__":
    verdicts = []
    for passed, lines in (pip_audit(), npm_audit()):
        print("\n".join(lines))
        verdicts.append(passed)
    sys.exit(0 if all(verdicts) else 1)
