"""Benchmarks (`make bench`, never `make test`): they run against a persistent PostgreSQL database named by
DATABASE_URL — not pytest's throwaway test database — because generating a million deals takes minutes.

    createdb prm_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/prm_bench make bench

The first run migrates that database and fills it with `manage.py seed_bench` (10,000 partners, 200,000
customers, 1,000,000 deals, and what the scorecards count besides deals; BENCH_PARTNERS / BENCH_CUSTOMERS /
BENCH_DEALS change the sizes); later runs reuse it. The database name must contain "bench" so a benchmark never
writes into a real program. Each benchmark adds `<name> <value> <unit>` lines to one summary printed at the end
of the session."""

import os

import pytest

SUMMARY: list[tuple[str, float, str]] = []


def _sizes() -> dict[str, int]:
    return {
        "partners": int(os.environ.get("BENCH_PARTNERS", 10_000)),
        "customers": int(os.environ.get("BENCH_CUSTOMERS", 200_000)),
        "deals": int(os.environ.get("BENCH_DEALS", 1_000_000)),
    }


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker):
    """Use the configured database as it is (pytest-django's documented way to run against an existing one)."""
    from django.core.management import call_command
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("benchmarks run on PostgreSQL: set DATABASE_URL=postgres://.../prm_bench")
        name = connection.settings_dict["NAME"]
        if "bench" not in name:
            pytest.skip(f"refusing to benchmark in {name!r}: use a database whose name contains 'bench'")
        call_command("migrate", verbosity=0)
        sizes = _sizes()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM deals_deal")
            have = cursor.fetchone()[0]
            cursor.execute("SELECT EXISTS (SELECT 1 FROM performance_partneractivity)")
            scorecard_data = cursor.fetchone()[0]
        if have < sizes["deals"] or not scorecard_data:  # a database seeded before the scorecards' data: top it up
            print(f"\nSeeding the benchmark database {name!r} (once): {sizes} ...")
            call_command("seed_bench", **sizes)


@pytest.fixture(autouse=True, scope="session")
def production_template_rendering(django_test_environment):
    """Pages are timed as production renders them. The test environment wraps every template render to send a
    `template_rendered` signal (for assertTemplateUsed), which production never does and which costs a deal
    page about a third of its time; the benchmarks put Django's own rendering back while they run."""
    from django.template import Template
    from django.test.utils import _TestState

    instrumented = Template._render
    Template._render = _TestState.saved_data.template_render
    yield
    Template._render = instrumented


@pytest.fixture(scope="session")
def bench_summary():
    """`bench_summary(name, value, unit)` adds a line to the summary printed at the end."""

    def add(name: str, value: float, unit: str) -> None:
        SUMMARY.append((name, value, unit))

    return add


def report_target(bench_summary, name: str, value: float, unit: str, *, limit: float, add: bool = True) -> None:
    """The figure (unless the caller added it) and its target in the summary; over the target prints MISSED (the
    run still passes: benchmarks report, they do not fail)."""
    if add:
        bench_summary(name, value, unit)
    verdict = "met" if value <= limit else "MISSED"
    bench_summary(f"{name}_target", limit, f"{unit} ({verdict})")
    print(f"\n{name} {value:.2f} {unit}: target <= {limit:g} {unit}, {verdict}")


def pytest_terminal_summary(terminalreporter):
    if not SUMMARY:
        return
    terminalreporter.write_line("")
    terminalreporter.write_line("==== benchmark summary ====")
    for name, value, unit in SUMMARY:
        terminalreporter.write_line(
            f"{name} {value:.2f} {unit}" if isinstance(value, float) else f"{name} {value} {unit}"
        )
