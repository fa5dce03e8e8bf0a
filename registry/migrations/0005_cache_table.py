from django.core.management import call_command
from django.db import migrations


def _create_cache_table(apps, schema_editor):
    # Rate-limit counters use Django's cache; on the embedded default that is a database
    # table (CACHES in settings). createcachetable does nothing for other cache backends.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0004_download_window"),
    ]

    operations = [
        migrations.RunPython(_create_cache_table, migrations.RunPython.noop),
    ]
