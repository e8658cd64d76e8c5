from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_crosspost", "0012_old_messages_as_codes"),
    ]

    operations = [
        migrations.AddField(
            model_name="evergreensettings",
            name="order",
            field=models.CharField(
                choices=[("oldest", "Shared longest ago first"), ("best", "Best performers first")],
                default="oldest",
                help_text=(
                    "Best performers first: the pages whose earlier posts on this channel had the "
                    "most interactions per post (engagement figures) go first. Ties, and pages "
                    "without figures, in the usual order: shared longest ago first."
                ),
                max_length=10,
                verbose_name="which page first",
            ),
        ),
    ]
