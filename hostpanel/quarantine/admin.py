from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hostpanel.quarantine import services
from hostpanel.quarantine.models import QuarantinedMessage, ScannerStatus


@admin.register(QuarantinedMessage)
class QuarantinedMessageAdmin(admin.ModelAdmin):
    """The operator's view of every quarantine; release rescans first."""

    list_display = ["created_at", "domain", "virus", "sender", "client_ip", "size"]
    list_filter = ["domain"]
    search_fields = ["sender", "virus", "domain__name"]
    readonly_fields = ["domain", "entry_id", "sender", "recipients", "virus", "client_ip",
                       "size", "path", "created_at"]
    actions = ["release"]

    def has_add_permission(self, request):
        return False  # the SMTP servers quarantine

    def has_change_permission(self, request, obj=None):
        return False

    def delete_queryset(self, request, queryset):
        for entry in queryset:
            services.delete_entry(entry)

    def delete_model(self, request, obj):
        services.delete_entry(obj)

    @admin.action(description=gettext_lazy("Rescan and release to the recipients"),
                  permissions=["release"])
    def release(self, request, queryset):
        done = set()
        for entry in queryset:
            if entry.entry_id in done:
                continue  # another domain's row of the same message
            done.add(entry.entry_id)
            try:
                where = services.release_entry(entry)
            except ValidationError as error:
                self.message_user(request, _("%(entry)s: %(error)s") % {
                    "entry": entry, "error": " ".join(error.messages)}, messages.ERROR)
            else:
                self.message_user(request, _("%(entry)s: released (%(where)s).") % {
                    "entry": entry, "where": where}, messages.SUCCESS)

    def has_release_permission(self, request):
        return request.user.is_superuser


@admin.register(ScannerStatus)
class ScannerStatusAdmin(admin.ModelAdmin):
    """The last definitions refresh, read-only (the status page at /status/ explains it)."""

    list_display = ["version", "definitions_version", "definitions_date", "checked_at",
                    "reload_ok", "freshclam_ok"]
    readonly_fields = ["checked_at", "freshclam_ran", "freshclam_ok", "freshclam_output",
                       "reload_ok", "reload_answer", "version", "definitions_version",
                       "definitions_date"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
