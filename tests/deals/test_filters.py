"""The deal and lead filtersets, one filter at a time, through the list selector every page, export and job
uses; and the list bugs: filter values that crashed, an export that ignored the filter bar, formula cells."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import DealStatus, LeadStatus
from deals.selectors import deal_list, lead_list

from .factories import DealAttachmentFactory, DealFactory, LeadFactory

HUGE = "-749920236982043324448768"


def _customers(result) -> list[str]:
    return sorted(d.customer_name for d in result.queryset)


@pytest.fixture
def deals(partner_a, partner_b):
    today = timezone.localdate()
    return {
        "big": DealFactory(
            partner=partner_a,
            customer_name="Big Bank AG",
            customer_domain="bigbank.example",
            amount=Decimal("90000"),
            country="DE",
            expected_close_date=today + timedelta(days=10),
            approved=True,
        ),
        "small": DealFactory(
            partner=partner_b,
            customer_name="Small Shop",
            customer_domain="smallshop.example",
            amount=Decimal("5000"),
            country="GB",
            expected_close_date=today + timedelta(days=90),
        ),
    }


class TestDealFilterSet:
    def test_search_by_customer_name_or_domain(self, manager, deals):
        assert _customers(deal_list(actor=manager, params={"search": "big bank"})) == ["Big Bank AG"]
        assert _customers(deal_list(actor=manager, params={"search": "smallshop.example"})) == ["Small Shop"]

    def test_status(self, manager, deals):
        assert _customers(deal_list(actor=manager, params={"status": DealStatus.APPROVED})) == ["Big Bank AG"]

    def test_partner(self, manager, deals, partner_b):
        assert _customers(deal_list(actor=manager, params={"partner": partner_b.pk})) == ["Small Shop"]

    def test_tier(self, manager, deals, gold_tier):
        assert _customers(deal_list(actor=manager, params={"tier": gold_tier.pk})) == ["Big Bank AG"]

    def test_country(self, manager, deals):
        assert _customers(deal_list(actor=manager, params={"country": "GB"})) == ["Small Shop"]

    def test_amount_range(self, manager, deals):
        assert _customers(deal_list(actor=manager, params={"amount_min": "10000"})) == ["Big Bank AG"]
        assert _customers(deal_list(actor=manager, params={"amount_max": "10000"})) == ["Small Shop"]

    def test_registered_range(self, manager, deals):
        old = DealFactory(customer_name="Old Registration")
        old.created_at = timezone.now() - timedelta(days=30)
        old.save(update_fields=["created_at"])
        week_ago = timezone.localdate() - timedelta(days=7)
        assert _customers(deal_list(actor=manager, params={"registered_before": week_ago})) == ["Old Registration"]
        recent = deal_list(actor=manager, params={"registered_after": week_ago})
        assert _customers(recent) == ["Big Bank AG", "Small Shop"]

    def test_close_range(self, manager, deals):
        in_a_month = timezone.localdate() + timedelta(days=30)
        assert _customers(deal_list(actor=manager, params={"close_before": in_a_month})) == ["Big Bank AG"]
        assert _customers(deal_list(actor=manager, params={"close_after": in_a_month})) == ["Small Shop"]

    def test_partner_choices_are_the_actors_own(self, partner_a_rep, deals, partner_b):
        result = deal_list(actor=partner_a_rep, params={"partner": partner_b.pk})
        assert result.errors and list(result.queryset) == []

    def test_empty_values_are_no_filter(self, manager, deals):
        every_filter_empty = {"search": "", "status": "", "partner": "", "tier": "", "amount_min": " "}
        assert _customers(deal_list(actor=manager, params=every_filter_empty)) == ["Big Bank AG", "Small Shop"]

    def test_one_sort_vocabulary(self, manager, deals):
        assert [d.customer_name for d in deal_list(actor=manager, params={"sort": "-amount"}).queryset] == [
            "Big Bank AG",
            "Small Shop",
        ]
        assert [d.customer_name for d in deal_list(actor=manager, params={"sort": "amount"}).queryset] == [
            "Small Shop",
            "Big Bank AG",
        ]


class TestOneSortVocabulary:
    """`?sort=` on the page and `?ordering=` in the API take the same names (DEAL_SORTS), and the API's older
    column names keep working."""

    def _api(self, api, manager, ordering):
        rows = api.as_user(manager).get(reverse("deal-list"), {"ordering": ordering}).json()["results"]
        return [row["customer_name"] for row in rows]

    def _page(self, page_client, manager, sort):
        page = page_client.as_user(manager).get(reverse("manage:deals"), {"sort": sort}).context["page"]
        return [d.customer_name for d in page.object_list]

    @pytest.mark.parametrize("name", ["close", "-close", "amount", "-amount", "oldest", "newest"])
    def test_the_api_and_the_page_order_alike(self, api, page_client, manager, deals, name):
        assert self._api(api, manager, name) == self._page(page_client, manager, name)

    def test_the_apis_column_names_still_work(self, api, manager, deals):
        assert self._api(api, manager, "-expected_close_date") == ["Small Shop", "Big Bank AG"]
        assert self._api(api, manager, "expected_close_date") == ["Big Bank AG", "Small Shop"]


class TestLeadFilterSet:
    @pytest.fixture
    def leads(self, partner_a):
        return {
            "offered": LeadFactory(customer_name="Offered GB", offer=partner_a),
            "new": LeadFactory(customer_name="New DE", country="DE"),
        }

    def test_status(self, manager, leads):
        assert _customers(lead_list(actor=manager, params={"status": LeadStatus.NEW})) == ["New DE"]

    def test_partner(self, manager, leads, partner_a):
        assert _customers(lead_list(actor=manager, params={"partner": partner_a.pk})) == ["Offered GB"]

    def test_country(self, manager, leads):
        assert _customers(lead_list(actor=manager, params={"country": "DE"})) == ["New DE"]

    def test_partner_type(self, manager, leads):
        LeadFactory(customer_name="For MSPs", partner_type="msp")
        assert _customers(lead_list(actor=manager, params={"partner_type": "msp"})) == ["For MSPs"]


# --- the bugs ------------------------------------------------------------------------------------------------


class TestHugeIntegersAreA400:
    def test_deal_list(self, api, manager, deals):
        response = api.as_user(manager).get(reverse("deal-list"), {"tier": HUGE})
        assert response.status_code == 400
        assert "tier" in response.json()

    def test_deal_list_partner_and_amount(self, api, manager, deals):
        client = api.as_user(manager)
        assert client.get(reverse("deal-list"), {"partner": HUGE}).status_code == 400
        assert client.get(reverse("deal-list"), {"amount_min": "1e999999"}).status_code == 400
        assert client.get(reverse("deal-list"), {"amount_min": "0." + "0" * 20000 + "1"}).status_code == 400
        assert client.get(reverse("deal-list"), {"close_before": "9999-12-31"}).status_code == 400
        assert client.get(reverse("deal-list"), {"registered_before": "9999-12-31"}).status_code == 400

    def test_deal_attachments(self, api, partner_a_rep):
        attachment = DealAttachmentFactory(deal=DealFactory(partner=partner_a_rep.partner))
        url = reverse("deal-attachments", args=[attachment.deal_id])
        response = api.as_user(partner_a_rep).get(url, {"tier": HUGE})
        assert response.status_code == 400


class TestManagerDealListInvalidFilters:
    @pytest.mark.parametrize("params", [{"status": "bogus"}, {"amount_min": "abc"}, {"tier": HUGE}])
    def test_the_page_shows_the_filter_error(self, page_client, manager, deals, params):
        response = page_client.as_user(manager).get(reverse("manage:deals"), params)
        assert response.status_code == 200
        name = next(iter(params))
        assert name in response.context["filter_errors"]
        assert f"{name}:" in response.content.decode()
        assert list(response.context["page"].object_list) == []

    def test_through_htmx_too(self, page_client, manager, deals):
        response = page_client.as_user(manager).get(
            reverse("manage:deals"), {"status": "bogus"}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        assert "status:" in response.content.decode()


def _export_href(html: str) -> str:
    start = html.index('id="export-csv" href="') + len('id="export-csv" href="')
    return html[start : html.index('"', start)].replace("&amp;", "&")


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


class TestExportFollowsTheFilterBar:
    def test_the_htmx_partial_carries_an_export_link_with_the_filters(self, page_client, manager, deals):
        client = page_client.as_user(manager)
        # what the filter bar sends when the status is picked and everything else is left at "Any"
        partial = client.get(
            reverse("manage:deals"),
            {"search": "", "status": "approved", "tier": "", "partner": "", "country": "", "sort": "newest"},
            headers={"HX-Request": "true"},
        )
        href = _export_href(partial.content.decode())
        assert href.startswith(reverse("manage:deal-export") + "?")
        assert "status=approved" in href
        rows = _csv_rows(client.get(href))
        assert [r[3] for r in rows[1:]] == ["Big Bank AG"]


class TestCsvFormulaInjection:
    def test_a_formula_customer_name_is_text_in_the_export(self, page_client, manager, partner_a):
        DealFactory(partner=partner_a, customer_name="=cmd|' /C calc'!A0", customer_domain="")
        rows = _csv_rows(page_client.as_user(manager).get(reverse("manage:deal-export")))
        assert rows[1][3] == "'=cmd|' /C calc'!A0"

    def test_negative_amounts_stay_numbers(self):
        from prm.exports import csv_lines

        lines = list(csv_lines(["a", "b", "c"], [[Decimal("-5.00"), "-1+1", "@SUM(A1)"]]))
        assert lines[1] == "-5.00,'-1+1,'@SUM(A1)\r\n"
