"""Existing audit entries get who and what as text (username, project code) from their links, before the links lose
their database constraint. Entries whose user was already deleted (the old SET_NULL) have no name to recover."""

from django.conf import settings
from django.db import migrations
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    AuditEvent = apps.get_model("projects", "AuditEvent")
    Project = apps.get_model("projects", "Project")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    events = AuditEvent.objects.using(schema_editor.connection.alias)
    username = User.objects.filter(pk=OuterRef("user_id")).values("username")[:1]
    events.filter(user__isnull=False, username="").update(username=Coalesce(Subquery(username), Value("")))
    code = Project.objects.filter(pk=OuterRef("project_id")).values("code")[:1]
    events.filter(project__isnull=False, project_code="").update(project_code=Coalesce(Subquery(code), Value("")))


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0006_audit_text_and_seal"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
