import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in [
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/partners/",
        "/api/v1/tiers/",
        "/api/v1/agreements/",
        "/api/v1/users/",
        "/api/v1/api-keys/",
        "/api/v1/partners/{id}/history/",
    ]:
        assert f"  {path}:" in text


def test_the_interactive_docs_load_their_assets_from_this_server(client):
    html = client.get("/api/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui" in s for s in sources)
    assert all(s.startswith("/") for s in sources), sources  # no CDN: the portal works offline
