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

from deals.conflicts import find_conflicts
from deals.models import Customer
from partners.models import Partner
from prm.accounts.models import User

pytestmark = pytest.mark.django_db

RUNS = 60


def _measure(label: str, fn, runs: int = RUNS) -> dict:
    fn()  # warm up (first-use caches, connection)
    times, queries = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        queries.append(len(ctx.captured_queries))
    cuts = statistics.quantiles(times, n=20)
    result = {"p50": statistics.median(times), "p95": cuts[18], "queries": max(queries)}
    print(
        f"\n{label:<44} p50 {result['p50']:7.2f} ms   p95 {result['p95']:7.2f} ms   queries/request {result['queries']}"
    )
    return result


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

    def check():
        name, domain = next(it)
        find_conflicts(name=name, domain=domain, partner_id=rng.choice(partners))

    result = _measure("conflict check (domain + trigram name)", check, runs=300)
    assert result["queries"] <= 3
    bench_summary("deals_conflict_check_p50_ms", result["p50"], "ms")
    bench_summary("deals_conflict_check_p95_ms", result["p95"], "ms")


def test_api_list_pages(people, bench_summary):
    manager, rep = people
    client = APIClient()
    client.force_authenticate(manager)
    url = reverse("deal-list")
    cursors = [url]
    for _ in range(5):  # walk a few pages deep: a cursor page costs what the first one does
        cursors.append(_ok(client.get(cursors[-1])).json()["next"])
    it = iter(cursors * 100)
    result = _measure("GET /api/v1/deals/ (50 rows, cursor pages)", lambda: _ok(client.get(next(it))), runs=120)
    filtered = _measure(
        "GET /api/v1/deals/?status=approved&country=GB",
        lambda: _ok(client.get(url, {"status": "approved", "country": "GB"})),
    )
    big = _measure("GET /api/v1/deals/?page_size=500", lambda: _ok(client.get(url, {"page_size": 500})), runs=20)
    client.force_authenticate(rep)
    mine = _measure("GET /api/v1/deals/ as a partner rep", lambda: _ok(client.get(url)))
    assert big["queries"] == result["queries"]  # no query per row
    bench_summary("deals_api_list_p50_ms", result["p50"], "ms")
    bench_summary("deals_api_list_p95_ms", result["p95"], "ms")
    bench_summary("deals_api_list_filtered_p95_ms", filtered["p95"], "ms")
    bench_summary("deals_api_list_500_rows_p95_ms", big["p95"], "ms")
    bench_summary("deals_api_list_partner_p95_ms", mine["p95"], "ms")
    bench_summary("deals_api_list_queries", result["queries"], "queries")


def test_partner_deal_list_page(people, bench_summary):
    _, rep = people
    client = Client()
    client.force_login(rep)
    url = reverse("portal:deals")
    result = _measure("partner deal list page", lambda: _ok(client.get(url)))
    sorted_page = _measure(
        "partner deal list, by amount, status won", lambda: _ok(client.get(url, {"sort": "-amount", "status": "won"}))
    )
    bench_summary("deals_partner_list_p50_ms", result["p50"], "ms")
    bench_summary("deals_partner_list_p95_ms", result["p95"], "ms")
    bench_summary("deals_partner_list_filtered_p95_ms", sorted_page["p95"], "ms")
    bench_summary("deals_partner_list_queries", result["queries"], "queries")


def test_manager_pages(people, bench_summary):
    manager, _ = people
    client = Client()
    client.force_login(manager)
    queue = _measure("approval queue page (25, with conflicts)", lambda: _ok(client.get(reverse("manage:deal-queue"))))
    deep = _measure("approval queue page 40", lambda: _ok(client.get(reverse("manage:deal-queue"), {"page": 40})))
    listing = _measure("manager deal list (estimated count)", lambda: _ok(client.get(reverse("manage:deals"))))
    narrowed = _measure(
        "manager deal list ?status=approved&country=DE",
        lambda: _ok(client.get(reverse("manage:deals"), {"status": "approved", "country": "DE"})),
    )
    bench_summary("deals_approval_queue_p50_ms", queue["p50"], "ms")
    bench_summary("deals_approval_queue_p95_ms", queue["p95"], "ms")
    bench_summary("deals_approval_queue_page40_p95_ms", deep["p95"], "ms")
    bench_summary("deals_approval_queue_queries", queue["queries"], "queries")
    bench_summary("deals_manager_list_p95_ms", listing["p95"], "ms")
    bench_summary("deals_manager_list_filtered_p95_ms", narrowed["p95"], "ms")
    bench_summary("deals_manager_list_queries", listing["queries"], "queries")
