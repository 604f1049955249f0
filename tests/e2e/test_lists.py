"""Lists in a real browser: the filter bar changes the rows through htmx, and the "Export CSV" link in the page
header follows it (the partial sends the link again out of band), so the export is the list on screen."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import login

pytestmark = pytest.mark.e2e


def test_the_export_link_follows_the_filter_bar(page, live_server, program_admin, partner_a, partner_b):
    login(page, live_server, program_admin)
    page.goto(f"{live_server.url}/manage/partners/")
    export = page.get_by_test_id("export-csv")
    expect(export).not_to_have_attribute("href", re.compile(r"country="))

    page.locator("#id_country").select_option("DE")
    table = page.get_by_test_id("partner-table")
    expect(table.get_by_role("link", name="Alpha Networks")).to_have_count(0)
    expect(table.get_by_role("link", name="Bravo Systems")).to_be_visible()
    expect(page.get_by_test_id("export-csv")).to_have_count(1)
    expect(page.get_by_test_id("export-csv")).to_have_attribute("href", re.compile(r"export\.csv\?.*country=DE"))
