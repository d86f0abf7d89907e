from django.contrib import admin

from hostpanel.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with ``manage.py apitoken`` or in the panel; here they are revoked."""

    list_display = ["prefix", "name", "account", "created_at", "last_used_at"]
    search_fields = ["prefix", "name", "account__username"]
    list_select_related = ["account"]
    readonly_fields = ["account", "name", "prefix", "created_at", "last_used_at"]
    exclude = ["digest"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
