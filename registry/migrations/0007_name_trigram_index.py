from django.db import migrations

# Search is a substring match (`UPPER(name) LIKE UPPER('%term%')`); on PostgreSQL a trigram
# index answers it without reading every repo. pg_trgm is a trusted extension: any user
# who may create objects in the database may enable it. SQLite has no equivalent.
_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS repo_name_trgm ON registry_repo "
    "USING gin (UPPER(name::text) gin_trgm_ops)",
]
_DROP = ["DROP INDEX IF EXISTS repo_name_trgm"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_listing_indexes")]

    operations = [migrations.RunPython(_run(_CREATE), _run(_DROP))]
