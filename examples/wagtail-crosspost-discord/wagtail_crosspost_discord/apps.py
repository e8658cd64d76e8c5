from django.apps import AppConfig


class DiscordConfig(AppConfig):
    name = "wagtail_crosspost_discord"
    label = "wagtail_crosspost_discord"
    verbose_name = "wagtail-crosspost: Discord"
