from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from hostpanel.domains.models import Account, DeletedMailbox, Domain


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "default_quota_mb", "created_at"]
    search_fields = ["name"]
    list_filter = ["is_active"]


class AccountChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = Account


class AccountCreationForm(AdminUserCreationForm):
    """For operator logins; mailboxes are created in the panel or the API."""

    class Meta(AdminUserCreationForm.Meta):
        model = Account
        fields = ["username"]


@admin.register(Account)
class AccountAdmin(UserAdmin):
    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = ["username", "domain", "quota_mb", "spam_filtering", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "spam_filtering"]
    search_fields = ["username"]
    ordering = ["username"]
    readonly_fields = ["created_at", "last_login", "password_changed_at"]
    list_select_related = ["domain"]
    raw_id_fields = ["domain"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Mailbox"), {"fields": ["domain", "local_part", "quota_mb", "spam_filtering"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["created_at", "last_login", "password_changed_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"],
                             "fields": ["username", "usable_password", "password1", "password2"]})]


@admin.register(DeletedMailbox)
class DeletedMailboxAdmin(admin.ModelAdmin):
    list_display = ["address", "deleted_at", "purge_after"]
    search_fields = ["address"]
