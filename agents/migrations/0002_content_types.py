"""The content types of the moved models follow them, so permissions and admin log entries stay attached."""

from django.db import migrations

MOVED = ("agent", "roundrobinpointer")


def _relabel(apps, schema_editor, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if ContentType.objects.using(db).filter(app_label=target, model=model).exists():
            continue  # already created for the new label; the old one is left to remove_stale_contenttypes
        ContentType.objects.using(db).filter(app_label=source, model=model).update(app_label=target)
    ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    _relabel(apps, schema_editor, "accounts", "agents")


def backwards(apps, schema_editor):
    _relabel(apps, schema_editor, "agents", "accounts")


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
