"""pg_trgm and a GIN trigram index on the customers' normalized names, on PostgreSQL only.

The conflict check matches names with `name_normalized % 'acme'`, which this index answers in milliseconds
over 200k customers (a `similarity() > x` condition could not use it). SQLite has no pg_trgm: there the
operation does nothing and deals/conflicts.py falls back to a bounded difflib comparison."""

from django.db import migrations

INDEX = "customer_name_trgm_idx"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON deals_customer USING gin (name_normalized gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("deals", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
