"""Rights per channel for groups. No rows are created: a channel nobody restricted keeps
today's behaviour (everyone with the permission to choose channels may post to it)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtail_crosspost", "0004_channel_schedule"),
    ]

    operations = [
        migrations.CreateModel(
            name="GroupChannelPermission",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "permission",
                    models.CharField(
                        choices=[("post", "Post"), ("approve", "Approve"), ("manage", "Manage")],
                        max_length=20,
                        verbose_name="permission",
                    ),
                ),
                (
                    "channel",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="group_permissions",
                        to="wagtail_crosspost.channel",
                        verbose_name="channel",
                    ),
                ),
                (
                    "group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="crosspost_channel_permissions",
                        to="auth.group",
                        verbose_name="group",
                    ),
                ),
            ],
            options={
                "verbose_name": "group channel permission",
                "verbose_name_plural": "group channel permissions",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("group", "channel", "permission"),
                        name="wagtail_crosspost_unique_group_channel_permission",
                    )
                ],
            },
        ),
    ]
