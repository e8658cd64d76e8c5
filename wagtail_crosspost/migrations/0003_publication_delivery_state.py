from django.db import migrations, models

AMBIGUOUS_SINCE = "ambiguous_since"


def forwards(apps, schema_editor):
    """Move what the outbox kept in ``raw_response`` into ``delivery_state``: the time of an
    uncertain attempt (``raw_response`` keeps the platform's answer) and, for posted rows, the
    receipt that later edits and deletes hand back to the adapter (the log keeps its copy).
    A done deletion was recorded as *Posted*: it is *Deleted*."""
    Publication = apps.get_model("wagtail_crosspost", "Publication")
    Publication.objects.filter(action="delete", status="posted").update(status="deleted")
    rows = Publication.objects.exclude(raw_response__isnull=True).only(
        "pk", "status", "remote_id", "raw_response"
    )
    for row in rows.iterator(chunk_size=500):
        raw = row.raw_response
        if not isinstance(raw, dict):
            continue
        if AMBIGUOUS_SINCE in raw:
            Publication.objects.filter(pk=row.pk).update(
                delivery_state={AMBIGUOUS_SINCE: raw[AMBIGUOUS_SINCE]},
                raw_response=raw.get("answer"),
            )
        elif row.status == "posted" and row.remote_id:
            Publication.objects.filter(pk=row.pk).update(delivery_state={"receipt": raw})


def backwards(apps, schema_editor):
    Publication = apps.get_model("wagtail_crosspost", "Publication")
    Publication.objects.filter(action="delete", status="deleted").update(status="posted")
    for row in Publication.objects.exclude(delivery_state={}).iterator(chunk_size=500):
        state = row.delivery_state or {}
        if AMBIGUOUS_SINCE in state:
            raw = {AMBIGUOUS_SINCE: state[AMBIGUOUS_SINCE], "answer": row.raw_response}
            Publication.objects.filter(pk=row.pk).update(raw_response=raw)
        elif "receipt" in state:
            Publication.objects.filter(pk=row.pk).update(raw_response=state["receipt"])


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_crosspost", "0002_channel_circuit_breaker"),
    ]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="delivery_state",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.RunPython(forwards, backwards),
    ]
