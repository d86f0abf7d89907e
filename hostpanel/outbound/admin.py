from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hostpanel.outbound.models import DkimKey, OutboundMessage, OutboundRecipient


@admin.register(DkimKey)
class DkimKeyAdmin(admin.ModelAdmin):
    """The keys and their DNS records; the private key is never shown."""

    list_display = ["domain", "selector", "created_at"]
    search_fields = ["domain__name"]
    fields = ["domain", "selector", "created_at", "dns_name", "dns_value"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # made with the domain (hostpanel.outbound.services.create_dkim_key)

    @admin.display(description=_("DNS name"))
    def dns_name(self, key):
        return key.dns_name

    @admin.display(description=_("DNS TXT value"))
    def dns_value(self, key):
        return key.dns_value


class RecipientInline(admin.TabularInline):
    model = OutboundRecipient
    fields = ["address", "state", "last_error", "updated_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    """The queue, read only: the delivery task owns its state."""

    list_display = ["queue_id", "domain", "origin", "sender", "created_at", "next_attempt_at",
                    "attempts", "done"]
    list_filter = ["done", "origin"]
    search_fields = ["queue_id", "sender", "recipients__address", "domain__name"]
    date_hierarchy = "created_at"
    inlines = [RecipientInline]
    readonly_fields = ["queue_id", "domain", "origin", "sender", "size", "created_at",
                       "next_attempt_at", "attempts", "expires_at", "done"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
