"""The editor's channel choices become one record per page (``CrosspostChoices``, a JSON map by
channel) instead of one ``CrosspostRequest`` row per channel, so that a revision and a publish
copy one row. The data moves both ways: the saved rows and the choices inside every revision
(a scheduled revision goes live with its own choices; a draft shows them in the panel)."""

import django.db.models.deletion
import modelcluster.fields
from django.conf import settings
from django.db import migrations, models
from django.utils.dateparse import parse_datetime

PAGE_MODEL = getattr(settings, "WAGTAIL_PAGE_MODEL", "wagtailcore.Page")
OLD, NEW = "crosspost_requests", "crosspost_choices"
#: a choice's parts and their defaults; the record stores only what differs
DEFAULTS = {
    "enabled": False,
    "message": "",
    "image_id": None,
    "repost": False,
    "update_existing": False,
    "timing": "",
    "send_at": None,
}
BATCH = 500


def _entry(values):
    """One channel's stored choice from a row's values (a model row or a revision's JSON)."""
    entry = {}
    for name, default in DEFAULTS.items():
        value = values.get(name, default)
        if value is None or value == default:
            continue
        entry[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return entry


def _row(channel_id, entry):
    """A revision's old child row for one channel."""
    row = {"pk": None, "channel": int(channel_id)}
    for name, default in DEFAULTS.items():
        row["image" if name == "image_id" else name] = entry.get(name, default)
    return row


def _channels_from_rows(rows):
    channels = {}
    for row in rows:  # the first row of a channel wins, as planning read them
        channel = row.get("channel")
        if channel and str(channel) not in channels:
            channels[str(channel)] = _entry({**row, "image_id": row.get("image")})
    return channels


def _revisions(apps, key):
    Revision = apps.get_model("wagtailcore", "Revision")
    return Revision, Revision.objects.filter(content__has_key=key).order_by("pk")


def _save_in_batches(Revision, revisions, convert):
    batch = []
    for revision in revisions.iterator(chunk_size=BATCH):
        convert(revision)
        batch.append(revision)
        if len(batch) >= BATCH:
            Revision.objects.bulk_update(batch, ["content"])
            batch = []
    if batch:
        Revision.objects.bulk_update(batch, ["content"])


def forward(apps, schema_editor):
    CrosspostRequest = apps.get_model("wagtail_crosspost", "CrosspostRequest")
    CrosspostChoices = apps.get_model("wagtail_crosspost", "CrosspostChoices")
    by_page = {}
    for row in CrosspostRequest.objects.order_by("page_id", "pk").values():
        channels = by_page.setdefault(row["page_id"], {})
        if str(row["channel_id"]) not in channels:
            channels[str(row["channel_id"])] = _entry(row)
    records = [CrosspostChoices(page_id=page, channels=ch) for page, ch in by_page.items()]
    CrosspostChoices.objects.bulk_create(records, batch_size=BATCH)
    record_pk = dict(CrosspostChoices.objects.values_list("page_id", "pk"))

    def convert(revision):
        content = dict(revision.content)
        rows = content.pop(OLD) or []
        page_id = rows[0].get("page") if rows else None
        content[NEW] = (
            [{"pk": record_pk.get(page_id), "page": page_id, "channels": _channels_from_rows(rows)}]
            if rows
            else []
        )
        revision.content = content

    Revision, revisions = _revisions(apps, OLD)
    _save_in_batches(Revision, revisions, convert)


def backward(apps, schema_editor):
    CrosspostRequest = apps.get_model("wagtail_crosspost", "CrosspostRequest")
    CrosspostChoices = apps.get_model("wagtail_crosspost", "CrosspostChoices")
    Channel = apps.get_model("wagtail_crosspost", "Channel")
    channel_ids = set(Channel.objects.values_list("pk", flat=True))
    rows = []
    for record in CrosspostChoices.objects.order_by("pk"):
        for key, entry in (record.channels or {}).items():
            if not str(key).isdigit() or int(key) not in channel_ids:
                continue  # a channel deleted since: its old row would have gone with it
            values = _row(key, entry)
            values.pop("pk")
            values["channel_id"] = values.pop("channel")
            values["image_id"] = values.pop("image")
            if isinstance(values["send_at"], str):
                values["send_at"] = parse_datetime(values["send_at"])
            rows.append(CrosspostRequest(page_id=record.page_id, **values))
    # The image may be gone (the JSON keeps its id): SET_NULL, as the old foreign key did.
    Image = CrosspostRequest._meta.get_field("image").related_model
    image_ids = {row.image_id for row in rows if row.image_id}
    existing = set(Image.objects.filter(pk__in=image_ids).values_list("pk", flat=True))
    for row in rows:
        if row.image_id not in existing:
            row.image_id = None
    CrosspostRequest.objects.bulk_create(rows, batch_size=BATCH)

    def convert(revision):
        content = dict(revision.content)
        records = content.pop(NEW) or []
        page_id = records[-1].get("page") if records else None
        channels = (records[-1].get("channels") or {}) if records else {}
        content[OLD] = [
            {**_row(key, entry), "page": page_id}
            for key, entry in channels.items()
            if str(key).isdigit()
        ]
        revision.content = content

    Revision, revisions = _revisions(apps, NEW)
    _save_in_batches(Revision, revisions, convert)


class Migration(migrations.Migration):
    dependencies = [
        ("wagtailcore", "0094_alter_page_locale"),
        ("wagtail_crosspost", "0006_metrics_snapshots"),
    ]

    operations = [
        migrations.CreateModel(
            name="CrosspostChoices",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("channels", models.JSONField(blank=True, default=dict, verbose_name="channels")),
                (
                    "page",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="crosspost_choices",
                        to=PAGE_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "crosspost choice",
                "verbose_name_plural": "crosspost choices",
            },
        ),
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="CrosspostRequest"),
    ]
