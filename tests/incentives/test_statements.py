"""Payout statements: a period closed into one draft per partner (its open lines gathered once, reversed pairs left
out), approved by finance, paid, never changed afterwards; a correction lands on the next statement. The API, the
CSVs and the pages, as finance, a manager and a partner see them."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals.services import deal_reopen
from incentives.accruals import accruals_sync_deal
from incentives.models import Accrual, AccrualKind, AccrualStatus, PayoutStatement, StatementStatus
from incentives.statements import statement_approve, statement_mark_paid, statements_generate
from prm.errors import InvalidTransition, NotPermitted
from prm.events.models import OutboxEvent

from ..factories import PartnerFactory
from ..races import at_once
from .factories import AccrualFactory, IncentiveProgramFactory, PayoutStatementFactory, won_deal

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY.replace(day=1)
NEXT_START, NEXT_END = TODAY + timedelta(days=1), TODAY + timedelta(days=31)


def won(partner, amount):
    deal = won_deal(partner, amount, closed_on=TODAY)
    accruals_sync_deal(deal.pk)
    return deal


def close(finance, start=START, end=TODAY):
    return statements_generate(actor=finance, period_start=start, period_end=end)


def statement_of(partner, start=START, end=TODAY):
    return PayoutStatement.objects.get(partner=partner, period_start=start, period_end=end)


def csv_rows(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def rebate(db):
    return IncentiveProgramFactory(name="Rebate 7.5", rate_percent=Decimal("7.50"))


# --- generation ----------------------------------------------------------------------------------------------


def test_a_period_close_gathers_each_partners_open_lines_once(finance, partner_a, partner_b, rebate):
    won(partner_a, "1234.57")
    won(partner_a, "1234.57")
    won(partner_b, "10000.00")
    late = AccrualFactory(partner=partner_a, program=rebate, amount=Decimal("50.00"))
    Accrual.objects.filter(pk=late.pk).update(created_at=timezone.now() + timedelta(days=2))  # after the period

    result = close(finance)

    a, b = statement_of(partner_a), statement_of(partner_b)
    assert result == {"created": 2, "statements": 2, "lines": 3}
    assert (a.status, a.currency, a.lines.count()) == (StatementStatus.DRAFT, "USD", 2)
    assert a.total == Decimal("185.18")  # two lines of 92.59 (7.5% of 1,234.57, rounded once each)
    assert b.total == Decimal("750.00")
    late.refresh_from_db()
    assert late.statement_id is None  # waits for the period it was made in
    event = OutboxEvent.objects.get(name="payout.generated")
    assert event.payload["lines"] == 3


def test_the_total_is_the_sum_of_rounded_lines_not_the_rounded_sum(finance, partner_a, rebate):
    for _ in range(3):
        won(partner_a, "1234.57")  # 92.59275 each: 277.77825 in all, but the lines say 92.59 three times
    close(finance)
    assert statement_of(partner_a).total == Decimal("277.77")


def test_running_the_close_twice_adds_nothing(finance, partner_a, partner_b, rebate):
    won(partner_a, "1000.00")
    won(partner_b, "2000.00")
    close(finance)
    before = list(PayoutStatement.objects.order_by("pk").values_list("pk", "total", "updated_at"))

    assert close(finance) == {"created": 0, "statements": 0, "lines": 0}
    assert list(PayoutStatement.objects.order_by("pk").values_list("pk", "total", "updated_at")) == before


def test_the_lines_of_a_reversed_pair_never_reach_a_statement(finance, partner_a, manager, rebate):
    deal = won(partner_a, "1000.00")
    deal_reopen(actor=manager, deal=deal, reason="The order was cancelled.")
    accruals_sync_deal(deal.pk)
    kept = won(partner_a, "2000.00")

    close(finance)

    statement = statement_of(partner_a)
    assert [line.deal_id for line in statement.lines.all()] == [kept.pk]
    assert Accrual.objects.filter(deal=deal, statement__isnull=True).count() == 2
    assert statement.total == Decimal("150.00")


def test_a_partner_whose_lines_net_to_zero_still_gets_its_statement(finance, partner_a, rebate):
    AccrualFactory(partner=partner_a, program=rebate, amount=Decimal("100.00"))
    AccrualFactory(
        partner=partner_a, program=None, kind=AccrualKind.ADJUSTMENT, amount=Decimal("-100.00"), explanation="Fix"
    )
    close(finance)
    statement = statement_of(partner_a)
    assert statement.total == Decimal("0.00") and statement.lines.count() == 2


def test_a_draft_of_the_period_takes_new_lines_an_approved_one_does_not(finance, partner_a, partner_b, rebate):
    won(partner_a, "1000.00")
    won(partner_b, "1000.00")
    close(finance)
    statement_approve(actor=finance, statement=statement_of(partner_b))
    won(partner_a, "2000.00")
    later_b = won(partner_b, "4000.00")

    close(finance)

    assert statement_of(partner_a).total == Decimal("225.00")  # 75 + 150 on the same draft
    b = statement_of(partner_b)
    assert (b.status, b.total, b.lines.count()) == (StatementStatus.APPROVED, Decimal("75.00"), 1)
    line = later_b.accruals.get()
    assert line.statement_id is None  # waits for the next period
    close(finance, NEXT_START, NEXT_END)
    line.refresh_from_db()
    assert line.statement == statement_of(partner_b, NEXT_START, NEXT_END)


def test_a_paid_line_reversed_later_lands_on_the_next_statement_as_a_negative_line(finance, partner_a, manager, rebate):
    deal = won(partner_a, "12000.00")
    close(finance)
    first = statement_of(partner_a)
    statement_approve(actor=finance, statement=first)
    statement_mark_paid(actor=finance, statement=first, payment_reference="TRX-1")

    deal_reopen(actor=manager, deal=deal, reason="The customer cancelled the order.")
    accruals_sync_deal(deal.pk)
    close(finance)  # the same period again: the paid statement takes nothing
    close(finance, NEXT_START, NEXT_END)

    first.refresh_from_db()
    assert (first.status, first.total, first.lines.count()) == (StatementStatus.PAID, Decimal("900.00"), 1)
    assert first.lines.get().status == AccrualStatus.PAID
    second = statement_of(partner_a, NEXT_START, NEXT_END)
    [reversal] = second.lines.all()
    assert reversal.kind == AccrualKind.REVERSAL and reversal.amount == Decimal("-900.00")
    assert second.total == Decimal("-900.00")


def test_generation_takes_the_same_queries_for_3_or_12_partners(finance, rebate):
    def run(count, start, end):
        for _ in range(count):
            AccrualFactory(partner=PartnerFactory(), program=rebate, amount=Decimal("10.00"))
        with CaptureQueriesContext(connection) as queries:
            result = statements_generate(actor=finance, period_start=start, period_end=end)
        assert result["statements"] == count
        return len(queries)

    assert run(3, START, TODAY) == run(12, NEXT_START, NEXT_END)


# --- transitions ---------------------------------------------------------------------------------------------


def test_approve_then_mark_paid_moves_the_statement_and_its_lines(finance, partner_a, rebate):
    won(partner_a, "1000.00")
    close(finance)
    statement = statement_approve(actor=finance, statement=statement_of(partner_a))
    assert statement.status == StatementStatus.APPROVED and statement.approved_by == finance
    assert set(statement.lines.values_list("status", flat=True)) == {AccrualStatus.APPROVED}

    statement = statement_mark_paid(actor=finance, statement=statement, payment_reference=" TRX-42 ")
    assert (statement.status, statement.payment_reference, statement.paid_by) == ("paid", "TRX-42", finance)
    assert set(statement.lines.values_list("status", flat=True)) == {AccrualStatus.PAID}
    names = list(OutboxEvent.objects.filter(name__startswith="payout.").values_list("name", flat=True))
    assert names == ["payout.generated", "payout.approved", "payout.paid"]


def test_illegal_moves_are_refused_and_a_paid_statement_never_changes(finance, partner_a):
    draft = PayoutStatementFactory(partner=partner_a)
    with pytest.raises(InvalidTransition, match="Cannot mark paid a statement that is draft"):
        statement_mark_paid(actor=finance, statement=draft)
    paid = PayoutStatementFactory(partner=partner_a, status=StatementStatus.PAID, period_start=START, period_end=TODAY)
    with pytest.raises(InvalidTransition, match="paid statement never changes"):
        statement_approve(actor=finance, statement=paid)
    with pytest.raises(InvalidTransition, match="already paid"):
        statement_mark_paid(actor=finance, statement=paid)


def test_only_finance_approves_and_marks_paid(manager, program_admin, partner_a):
    draft = PayoutStatementFactory(partner=partner_a)
    for user in (manager, program_admin):
        with pytest.raises(NotPermitted):
            statement_approve(actor=user, statement=draft)
    draft.refresh_from_db()
    assert draft.status == StatementStatus.DRAFT


# --- API -----------------------------------------------------------------------------------------------------


def test_the_api_closes_approves_and_pays_as_finance(api, finance, partner_a, rebate):
    deal = won(partner_a, "1000.00")
    client = api.as_user(finance)
    response = client.post(
        "/api/v1/payouts/generate/", {"period_start": START.isoformat(), "period_end": TODAY.isoformat()}
    )
    assert response.status_code == 200 and response.json()["lines"] == 1
    statement = statement_of(partner_a)

    body = client.get(f"/api/v1/payouts/{statement.pk}/").json()
    assert (body["total"], body["currency"], body["status"]) == ("75.00", "USD", "draft")
    [line] = body["lines"]
    assert (line["deal"], line["amount"], line["base_amount"], line["base_currency"]) == (
        deal.pk,
        "75.00",
        "1000.00",
        "USD",
    )
    assert line["explanation"] == "7.5% of 1,000.00 USD"

    assert client.post(f"/api/v1/payouts/{statement.pk}/approve/").json()["status"] == "approved"
    response = client.post(f"/api/v1/payouts/{statement.pk}/mark-paid/", {"payment_reference": "TRX-9"})
    assert response.json()["status"] == "paid" and response.json()["payment_reference"] == "TRX-9"
    response = client.post(f"/api/v1/payouts/{statement.pk}/approve/")
    assert response.status_code == 409


def test_the_api_refuses_a_draft_marked_paid_and_a_backwards_period(api, finance, partner_a):
    draft = PayoutStatementFactory(partner=partner_a)
    client = api.as_user(finance)
    assert client.post(f"/api/v1/payouts/{draft.pk}/mark-paid/").status_code == 409
    response = client.post("/api/v1/payouts/generate/", {"period_start": "2026-02-01", "period_end": "2026-01-01"})
    assert response.status_code == 400 and "period_end" in response.json()


def test_managers_and_partners_cannot_approve_or_close(api, manager, partner_a_admin, partner_a):
    draft = PayoutStatementFactory(partner=partner_a)
    period = {"period_start": START.isoformat(), "period_end": TODAY.isoformat()}
    assert api.as_user(manager).post(f"/api/v1/payouts/{draft.pk}/approve/").status_code == 403
    assert api.as_user(manager).post("/api/v1/payouts/generate/", period).status_code == 403
    assert api.as_user(partner_a_admin).post(f"/api/v1/payouts/{draft.pk}/approve/").status_code == 403
    assert api.as_user(partner_a_admin).post("/api/v1/payouts/generate/", period).status_code == 403
    draft.refresh_from_db()
    assert draft.status == StatementStatus.DRAFT


def test_partners_see_only_their_own_statements(api, partner_a_rep, partner_a, partner_b):
    own = PayoutStatementFactory(partner=partner_a)
    other = PayoutStatementFactory(partner=partner_b)
    client = api.as_user(partner_a_rep)
    assert [row["id"] for row in client.get("/api/v1/payouts/").json()["results"]] == [own.pk]
    assert client.get(f"/api/v1/payouts/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/payouts/{other.pk}/csv/").status_code == 404
    assert client.get("/api/v1/payouts/export/").status_code == 403


def test_a_statements_csv_lists_its_lines_and_total(api, finance, partner_a, manager, rebate):
    deal = won(partner_a, "2000.00")
    close(finance)
    first = statement_approve(actor=finance, statement=statement_of(partner_a))
    statement_mark_paid(actor=finance, statement=first)
    deal_reopen(actor=manager, deal=deal, reason="Cancelled.")
    accruals_sync_deal(deal.pk)
    close(finance, NEXT_START, NEXT_END)
    second = statement_of(partner_a, NEXT_START, NEXT_END)

    rows = csv_rows(api.as_user(finance).get(f"/api/v1/payouts/{second.pk}/csv/"))
    header, line, total = rows
    row = dict(zip(header, line, strict=True))
    assert (row["kind"], row["amount"], row["deal_id"], row["base_amount"]) == (
        "reversal",
        "-150.00",
        str(deal.pk),
        "2000.00",
    )
    assert row["reverses"] == str(first.lines.get().pk)
    assert total[header.index("amount")] == "-150.00"


def test_the_payment_file_holds_the_approved_statements_only(api, finance, partner_a, partner_b):
    approved = PayoutStatementFactory(partner=partner_a, status=StatementStatus.APPROVED, total=Decimal("75.10"))
    PayoutStatementFactory(partner=partner_b, status=StatementStatus.DRAFT, total=Decimal("10.00"))
    rows = csv_rows(api.as_user(finance).get("/api/v1/payouts/export/?status=approved"))
    assert rows == [
        ["partner_id", "partner", "amount", "currency", "statement_id", "period_start", "period_end"],
        [
            str(partner_a.pk),
            "Alpha Networks",
            "75.10",
            "USD",
            str(approved.pk),
            approved.period_start.isoformat(),
            approved.period_end.isoformat(),
        ],
    ]
    assert api.as_user(finance).get("/api/v1/payouts/export/?status=draft").status_code == 400


# --- pages ---------------------------------------------------------------------------------------------------


def test_finance_closes_a_period_and_approves_from_the_approval_page(page_client, finance, partner_a, rebate):
    won(partner_a, "1000.00")
    client = page_client.as_user(finance)
    response = client.post(
        reverse("manage:statement-generate"),
        {"period_start": START.isoformat(), "period_end": TODAY.isoformat()},
        follow=True,
    )
    page = response.content.decode()
    assert "Period closed: 1 line on 1 draft statement (1 new)." in page
    statement = statement_of(partner_a)
    assert f'data-testid="approve-{statement.pk}"' in page and "Alpha Networks" in page

    response = client.post(reverse("manage:statement-approve", args=[statement.pk]), {"next": "approvals"}, follow=True)
    assert "Statement of Alpha Networks approved: 75.00 USD." in response.content.decode()
    assert "No draft statement waits for approval." in response.content.decode()

    response = client.post(
        reverse("manage:statement-mark-paid", args=[statement.pk]), {"payment_reference": "TRX-7"}, follow=True
    )
    page = response.content.decode()
    assert "marked paid" in page and "TRX-7" in page and 'data-testid="mark-paid"' not in page


def test_bulk_approval_approves_the_ticked_drafts(page_client, finance, partner_a, partner_b):
    a = PayoutStatementFactory(partner=partner_a)
    b = PayoutStatementFactory(partner=partner_b)
    response = page_client.as_user(finance).post(
        reverse("manage:statement-bulk-approve"), {"statements": [a.pk]}, follow=True
    )
    assert "1 statement approved." in response.content.decode()
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == (StatementStatus.APPROVED, StatementStatus.DRAFT)


def test_a_manager_sees_payouts_but_cannot_approve(page_client, manager, partner_a):
    draft = PayoutStatementFactory(partner=partner_a)
    client = page_client.as_user(manager)
    assert client.get(reverse("manage:statement-list")).status_code == 200
    detail = client.get(reverse("manage:statement-detail", args=[draft.pk])).content.decode()
    assert 'data-testid="approve"' not in detail
    queue = client.get(reverse("manage:statement-approvals"))
    assert f'data-testid="statement-row-{draft.pk}"' in queue.content.decode()
    assert f'data-testid="approve-{draft.pk}"' not in queue.content.decode()
    assert client.post(reverse("manage:statement-bulk-approve"), {"statements": [draft.pk]}).status_code == 403
    assert client.post(reverse("manage:statement-approve", args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.status == StatementStatus.DRAFT


def test_the_statement_page_itemizes_the_lines_with_their_arithmetic(page_client, finance, partner_a, rebate):
    won(partner_a, "1234.57")
    AccrualFactory(
        partner=partner_a, program=None, kind=AccrualKind.ADJUSTMENT, amount=Decimal("-2.59"), explanation="Rounding"
    )
    close(finance)
    statement = statement_of(partner_a)
    page = page_client.as_user(finance).get(reverse("manage:statement-detail", args=[statement.pk])).content.decode()
    assert "7.5% of 1,234.57 USD" in page and "Adjustment" in page
    assert "Total: the sum of 2 rounded lines" in page and "90.00 USD" in page
    printable = page_client.get(reverse("manage:statement-print", args=[statement.pk])).content.decode()
    assert 'id="sidebar"' not in printable and "statement-print.css" in printable and "90.00 USD" in printable


def test_a_partner_reads_its_own_statements_in_the_portal(page_client, partner_a_rep, partner_a, partner_b):
    own = PayoutStatementFactory(partner=partner_a, status=StatementStatus.PAID, total=Decimal("12.00"))
    other = PayoutStatementFactory(partner=partner_b)
    client = page_client.as_user(partner_a_rep)
    page = client.get(reverse("portal:statement-list")).content.decode()
    assert f'data-testid="statement-row-{own.pk}"' in page and f"statement-row-{other.pk}" not in page
    assert client.get(reverse("portal:statement-detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("portal:statement-print", args=[own.pk])).status_code == 200
    assert client.get(reverse("portal:statement-detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("portal:statement-csv", args=[other.pk])).status_code == 404
    assert client.get(reverse("manage:statement-list")).status_code == 403


def test_the_list_page_takes_the_same_queries_for_3_or_12_statements(page_client, finance):
    client = page_client.as_user(finance)

    def count(n):
        for _ in range(n):
            s = PayoutStatementFactory(partner=PartnerFactory())
            AccrualFactory(partner=s.partner, statement=s)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("manage:statement-list")).status_code == 200
        return len(queries)

    assert count(3) == count(9)


def test_the_period_filters_keep_the_statements_within_the_range(api, finance, partner_a):
    october = PayoutStatementFactory(partner=partner_a, period_start=START - timedelta(days=31), period_end=START)
    this = PayoutStatementFactory(partner=partner_a, period_start=START, period_end=TODAY)
    client = api.as_user(finance)
    ids = [row["id"] for row in client.get(f"/api/v1/payouts/?period_start={START.isoformat()}").json()["results"]]
    assert ids == [this.pk]
    ids = [row["id"] for row in client.get(f"/api/v1/payouts/?period_end={START.isoformat()}").json()["results"]]
    assert ids == [october.pk]


# --- races (PostgreSQL) --------------------------------------------------------------------------------------


@pytest.fixture
def postgres_only(db):
    if connection.vendor != "postgresql":
        from tests.conftest import skip_or_fail

        skip_or_fail("the payout races need PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.mark.django_db(transaction=True)
def test_four_closes_of_one_period_at_once_put_each_line_on_one_statement(postgres_only, finance, rebate):
    partners = [PartnerFactory() for _ in range(6)]
    for partner in partners:
        AccrualFactory.create_batch(3, partner=partner, program=rebate, amount=Decimal("10.00"))

    outcomes = at_once(*[lambda: close(finance)] * 4)

    assert outcomes == ["ok"] * 4
    assert PayoutStatement.objects.count() == 6
    assert set(PayoutStatement.objects.values_list("total", flat=True)) == {Decimal("30.00")}
    assert not Accrual.objects.filter(statement__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_close_racing_an_approval_never_adds_a_line_finance_did_not_approve(
    postgres_only, finance, partner_a, rebate
):
    AccrualFactory(partner=partner_a, program=rebate, amount=Decimal("10.00"))
    close(finance)
    draft = statement_of(partner_a)
    AccrualFactory(partner=partner_a, program=rebate, amount=Decimal("5.00"))

    outcomes = at_once(lambda: close(finance), lambda: statement_approve(actor=finance, statement=draft))

    assert outcomes == ["ok", "ok"]
    draft.refresh_from_db()
    # either the new line made it before the approval (and is approved with it) or it waits for the next period
    approved_lines = list(draft.lines.values_list("amount", "status"))
    assert all(status == AccrualStatus.APPROVED for _, status in approved_lines)
    assert draft.total == sum(amount for amount, _ in approved_lines)
