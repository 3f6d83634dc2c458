from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from workers.models import GeneratedDocument, Notification
from workers.services import requeue_notification
from workers.services.notifications import without_secrets


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "event", "recipient", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "event")
    search_fields = ("recipient__email", "event")
    list_select_related = ("recipient",)
    readonly_fields = [
        *(field.name for field in Notification._meta.fields if field.name != "context"),
        "context_shown",
    ]
    exclude = ("context",)
    actions = ["requeue"]

    @admin.display(description=_("context"))
    def context_shown(self, obj: Notification) -> dict:
        return without_secrets(obj.context or {})

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send failed notifications again"))
    def requeue(self, request, queryset):
        ids = list(queryset.filter(status=Notification.Status.FAILED).values_list("pk", flat=True))
        for notification_id in ids:
            requeue_notification(notification_id=notification_id)
        self.message_user(
            request, _("Notifications queued again: %(count)d.") % {"count": len(ids)}, messages.SUCCESS
        )


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "owner_content_type", "owner_id", "size", "created_at")
    list_filter = ("kind",)
    readonly_fields = [field.name for field in GeneratedDocument._meta.fields]

    def has_add_permission(self, request):
        return False
