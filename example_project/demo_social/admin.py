from django.contrib import admin

from .models import WallPost


@admin.register(WallPost)
class WallPostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "channel_name", "created_at"]
    readonly_fields = ["idempotency_key", "created_at", "edited_at"]
