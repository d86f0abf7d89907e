"""The operator's side of spam filtering: the DNS blocklists offered, and a read-mostly look
at the domains' settings and the caught spam.

Preferences are changed in the panel or the API, where hostpanel.spam.services
checks them; the admin would bypass those rules, so it only shows them.
"""

from django.contrib import admin

from hostpanel.spam.models import AccountSpamSettings, Blocklist, CaughtSpam, DomainSpamSettings


@admin.register(Blocklist)
class BlocklistAdmin(admin.ModelAdmin):
    """The zones users may pick, each with the points a listing adds."""

    list_display = ["zone", "score", "is_active", "default_on", "description"]
    list_editable = ["score", "is_active", "default_on"]
    list_filter = ["is_active", "default_on"]
    search_fields = ["zone", "description"]
    fields = ["zone", "score", "is_active", "default_on", "description"]


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DomainSpamSettings)
class DomainSpamSettingsAdmin(_ReadOnly):
    list_display = ["domain", "enabled", "threshold", "spam_account", "updated_at"]
    list_filter = ["enabled"]
    search_fields = ["domain__name"]
    list_select_related = ["domain", "spam_account"]
    exclude = ["initial_password"]  # the postmaster's, shown once in the panel

    def has_delete_permission(self, request, obj=None):
        return False  # goes with its domain


@admin.register(AccountSpamSettings)
class AccountSpamSettingsAdmin(_ReadOnly):
    list_display = ["account", "threshold", "updated_at"]
    search_fields = ["account__username"]
    list_select_related = ["account"]


@admin.register(CaughtSpam)
class CaughtSpamAdmin(_ReadOnly):
    """Read only: a row goes with its message in the spam mailbox (the purge removes both)."""

    list_display = ["created_at", "domain", "recipient", "sender", "subject", "score"]
    list_filter = ["domain"]
    search_fields = ["recipient", "sender", "subject", "domain__name"]
    list_select_related = ["domain"]
    date_hierarchy = "created_at"

    def has_delete_permission(self, request, obj=None):
        return False
