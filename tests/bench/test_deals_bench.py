"""Deals at program scale (10,000 partners, 1,000,000 deals): the conflict check of a new registration, the
manager's approval queue and deal list, the partner's deal list and the API's cursor pages. Prints p50/p95
and queries per request; each list is also asked for a bigger page to show its queries do not grow."""

import random
import statistics
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from deals.conflicts import find_conflicts, normalize_name
from deals.models import Customer
from partners.models import Partner
from prm.accounts.models import User

pytestmark = pytest.mark.django_db

RUNS = 60
PAGE = 25  # rows on a page of the portals' lists (prm.pages.ListPageMixin.page_size)
API_PAGE = 50  # DealCursorPagination.page_size


def _sql(sql: str, params=()):
    """A floor: the bare SQL doing the same work as the request (the rows of one page, the trigram lookup),
    through the same connection, so Python, the ORM, templates and extra queries are what the ratio shows."""

    def run(*_):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return run


def _measure(label: str, fn, runs: int = RUNS, *, floor=None, args=None) -> dict:
    """p50/p95 of `fn` and, interleaved with it (the same moment's load on a shared machine), of its floor.
    `args` yields the argument tuple of each run, given to both."""
    args = args or iter(lambda: (), None)
    first = next(args)
    fn(*first)  # warm up (first-use caches, connection)
    if floor:
        floor(*first)
    times, floor_times, queries = [], [], []
    for _ in range(runs):
        arg = next(args)
        if floor:
            start = time.perf_counter()
            floor(*arg)
            floor_times.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn(*arg)
            times.append((time.perf_counter() - start) * 1000)
        queries.append(len(ctx.captured_queries))
    result = {"p50": statistics.median(times), "p95": _p95(times), "queries": max(queries)}
    line = f"\n{label:<46} p50 {result['p50']:7.2f} ms   p95 {result['p95']:7.2f} ms"
    if floor:
        result["floor_p50"] = statistics.median(floor_times)
        result["floor_p95"] = _p95(floor_times)
        result["ratio"] = result["p95"] / result["floor_p95"]
        line += f"   floor p50 {result['floor_p50']:6.2f} p95 {result['floor_p95']:6.2f} ms"
        line += f"   ratio {result['ratio']:5.1f}x"
    print(line + f"   queries/request {result['queries']}")
    return result


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18]


def _report(bench_summary, name: str, result: dict) -> None:
    """The summary lines of one benchmark: p50, p95, its floor and the ratio to it."""
    bench_summary(f"{name}_p50_ms", result["p50"], "ms")
    bench_summary(f"{name}_p95_ms", result["p95"], "ms")
    if "floor_p95" in result:
        bench_summary(f"{name}_floor_p95_ms", result["floor_p95"], "ms")
        bench_summary(f"{name}_ratio_to_floor", result["ratio"], "x")
    bench_summary(f"{name}_queries", result["queries"], "queries")


def _ok(response):
    assert response.status_code == 200, response.status_code
    return response


@pytest.fixture(scope="module")
def people(django_db_blocker):
    with django_db_blocker.unblock():
        manager = User.objects.get(email="manager@bench.example")
        rep = User.objects.filter(email__startswith="rep", email__endswith="@bench.example").order_by("id").first()
        return manager, rep


def test_conflict_check(bench_summary):
    rng = random.Random(7)
    sample = list(Customer.objects.filter(domain__endswith=".cust.example").order_by("?")[:200])
    partners = list(Partner.objects.filter(domain__endswith=".bench.example").values_list("id", flat=True)[:500])
    cases = []
    for c in sample[:100]:  # a known customer by domain (and name)
        cases.append((c.name, c.domain))
    for c in sample[100:]:  # a known customer by a variant of its name, no domain
        words = c.name.split()
        cases.append((" ".join(words[:3]) + " Holdings", ""))
    cases += [(f"Brand New Venture {n} Ltd", f"new-venture-{n}.example") for n in range(50)]  # nobody's
    it = iter(cases * 10)

    def check(name, domain):
        find_conflicts(name=name, domain=domain, partner_id=rng.choice(partners))

    # the floor: the bare trigram lookup of the name, as the issue measured it (pg_trgm's default threshold, the
    # GIN index), no domain lookup, no deals. SET LOCAL: the check's own threshold must not carry over to it
    trigram = (
        "SET LOCAL pg_trgm.similarity_threshold = 0.3; "
        "SELECT id FROM deals_customer WHERE name_normalized %% %s LIMIT 20"
    )

    def floor(name, domain):
        _sql(trigram, [normalize_name(name)])()

    result = _measure("conflict check (domain + trigram name)", check, runs=300, floor=floor, args=it)
    assert result["queries"] <= 3
    _report(bench_summary, "deals_conflict_check", result)


def _page_sql(where: str = "", order: str = "id DESC", limit: int = PAGE, offset: int = 0) -> str:
    """One page of deals as bare SQL (the benchmark's own constants only, never user input)."""
    where = f"WHERE {where}" if where else ""
    return f"SELECT * FROM deals_deal {where} ORDER BY {order} LIMIT {limit} OFFSET {offset}"  # noqa: S608


def test_api_list_pages(people, bench_summary):
    manager, rep = people
    client = APIClient()
    client.force_authenticate(manager)
    url = reverse("deal-list")
    cursors = [url]
    for _ in range(5):  # walk a few pages deep: a cursor page costs what the first one does
        cursors.append(_ok(client.get(cursors[-1])).json()["next"])
    it = iter(cursors * 100)
    page = _sql(_page_sql(limit=API_PAGE + 1))
    result = _measure(
        "GET /api/v1/deals/ (50 rows, cursor pages)", lambda: _ok(client.get(next(it))), runs=120, floor=page
    )
    filtered = _measure(
        "GET /api/v1/deals/?status=approved&country=GB",
        lambda: _ok(client.get(url, {"status": "approved", "country": "GB"})),
        floor=_sql(_page_sql("status = 'approved' AND country = 'GB'", limit=API_PAGE + 1)),
    )
    big = _measure(
        "GET /api/v1/deals/?page_size=500",
        lambda: _ok(client.get(url, {"page_size": 500})),
        runs=20,
        floor=_sql(_page_sql(limit=501)),
    )
    client.force_authenticate(rep)
    mine = _measure(
        "GET /api/v1/deals/ as a partner rep",
        lambda: _ok(client.get(url)),
        floor=_sql(_page_sql(f"partner_id = {rep.partner_id}", limit=API_PAGE + 1)),
    )
    assert big["queries"] == result["queries"]  # no query per row
    _report(bench_summary, "deals_api_list", result)
    _report(bench_summary, "deals_api_list_filtered", filtered)
    _report(bench_summary, "deals_api_list_500_rows", big)
    _report(bench_summary, "deals_api_list_partner", mine)


def test_partner_deal_list_page(people, bench_summary):
    _, rep = people
    client = Client()
    client.force_login(rep)
    url = reverse("portal:deals")
    result = _measure(
        "partner deal list page",
        lambda: _ok(client.get(url)),
        floor=_sql(_page_sql(f"partner_id = {rep.partner_id}")),
    )
    sorted_page = _measure(
        "partner deal list, by amount, status won",
        lambda: _ok(client.get(url, {"sort": "-amount", "status": "won"})),
        floor=_sql(_page_sql(f"partner_id = {rep.partner_id} AND status = 'won'", order="amount DESC, id DESC")),
    )
    _report(bench_summary, "deals_partner_list", result)
    _report(bench_summary, "deals_partner_list_filtered", sorted_page)


def test_manager_pages(people, bench_summary):
    manager, _ = people
    client = Client()
    client.force_login(manager)
    queue = _measure(
        "approval queue page (25, with conflicts)",
        lambda: _ok(client.get(reverse("manage:deal-queue"))),
        floor=_sql(_page_sql("status = 'submitted'", order="created_at, id")),
    )
    deep = _measure(
        "approval queue page 40",
        lambda: _ok(client.get(reverse("manage:deal-queue"), {"page": 40})),
        floor=_sql(_page_sql("status = 'submitted'", order="created_at, id", offset=39 * PAGE)),
    )
    listing = _measure(
        "manager deal list (estimated count)", lambda: _ok(client.get(reverse("manage:deals"))), floor=_sql(_page_sql())
    )
    narrowed = _measure(
        "manager deal list ?status=approved&country=DE",
        lambda: _ok(client.get(reverse("manage:deals"), {"status": "approved", "country": "DE"})),
        floor=_sql(_page_sql("status = 'approved' AND country = 'DE'")),
    )
    _report(bench_summary, "deals_approval_queue", queue)
    _report(bench_summary, "deals_approval_queue_page40", deep)
    _report(bench_summary, "deals_manager_list", listing)
    _report(bench_summary, "deals_manager_list_filtered", narrowed)
