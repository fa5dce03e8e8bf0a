# Space secrets were stored as given; from here on the column holds sealed values only
# (registry/sealing.py). The rows are sealed while the column is still a plain text field,
# then the field becomes a SealedTextField (no schema change); backwards, the other way.

from django.db import migrations

import registry.sealing


def seal_rows(apps, schema_editor):
    SpaceSecret = apps.get_model("spaces", "SpaceSecret")
    for pk, value in list(SpaceSecret.objects.values_list("pk", "value")):
        SpaceSecret.objects.filter(pk=pk).update(value=registry.sealing.seal(value))


def unseal_rows(apps, schema_editor):
    SpaceSecret = apps.get_model("spaces", "SpaceSecret")
    for pk, value in list(SpaceSecret.objects.values_list("pk", "value")):
        SpaceSecret.objects.filter(pk=pk).update(value=registry.sealing.unseal(value))


class Migration(migrations.Migration):

    dependencies = [
        ('spaces', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(seal_rows, unseal_rows),
        migrations.AlterField(
            model_name='spacesecret',
            name='value',
            field=registry.sealing.SealedTextField(),
        ),
    ]
