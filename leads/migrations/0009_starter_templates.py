"""Every company gets the starter template library (leads/starter_templates.py)."""

from django.db import migrations


def add_starter_library(apps, schema_editor):
    from leads.starter_templates import add_starter_templates

    template_model = apps.get_model("leads", "MessageTemplate")
    for location in apps.get_model("accounts", "Location").objects.all():
        add_starter_templates(location, model=template_model)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0008_lead_calls"),
    ]

    operations = [
        migrations.RunPython(add_starter_library, migrations.RunPython.noop),
    ]
