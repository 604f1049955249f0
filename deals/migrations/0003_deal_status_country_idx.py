"""The narrowed deal list (`?status=…&country=…`, the API's and the manager's): one index serves its page, and
its exact count and totals by currency as index-only scans (`INCLUDE` is PostgreSQL's; elsewhere Django skips
a covering index, so SQLite migrates without it)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("deals", "0002_customer_trigram")]

    operations = [
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                fields=["status", "country", "id"], include=("currency", "amount"), name="deal_status_country_idx"
            ),
        ),
    ]
