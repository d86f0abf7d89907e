"""Forwards, autoresponders and account routing in the operator's admin: read only.

They are changed in the postmaster's panel or the API, where
hostpanel.routing.services checks the rules (one address space per domain,
valid and existing targets); the admin would bypass them.
"""

from django.contrib import admin

from hostpanel.routing.models import Autoresponder, Forward, Routing


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Forward)
class ForwardAdmin(_ReadOnly):
    list_display = ["__str__", "targets", "created_at"]
    search_fields = ["local_part", "domain__name"]
    list_select_related = ["domain"]


@admin.register(Autoresponder)
class AutoresponderAdmin(_ReadOnly):
    list_display = ["__str__", "subject", "copy_to", "created_at"]
    search_fields = ["local_part", "domain__name", "subject"]
    list_select_related = ["domain"]


@admin.register(Routing)
class RoutingAdmin(_ReadOnly):
    list_display = ["account", "mode", "vacation_enabled", "vacation_start", "vacation_end"]
    list_filter = ["mode", "vacation_enabled"]
    search_fields = ["account__username"]
    list_select_related = ["account"]

    def has_delete_permission(self, request, obj=None):
        return False
