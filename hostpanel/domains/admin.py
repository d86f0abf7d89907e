from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hostpanel.domains import services
from hostpanel.domains.forms import add_service_errors
from hostpanel.domains.models import Account, DeletedMailbox, Domain


class DomainCreationForm(forms.ModelForm):
    """A new domain and its postmaster, made by services.create_domain.

    The domain is created while the form is cleaned, inside the admin's
    transaction, so that the service's errors show on the form's fields.
    """

    name = forms.CharField(label=_("name"), max_length=253)
    default_quota_mb = forms.IntegerField(
        label=_("default quota (MB)"), min_value=0, max_value=services.MAX_QUOTA_MB,
        help_text=_("0 means no limit."),
    )
    password1 = forms.CharField(
        label=_("Postmaster password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("The master password: the account postmaster logs in with it."),
    )
    password2 = forms.CharField(
        label=_("Postmaster password (again)"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = Domain
        fields = ["name", "default_quota_mb"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords are not the same."))
        if self._errors:
            return cleaned
        try:
            with transaction.atomic():
                domain = services.create_domain(
                    cleaned["name"], cleaned["password1"],
                    default_quota_mb=cleaned["default_quota_mb"],
                )
        except ValidationError as error:
            add_service_errors(self, error, {"password": "password1"})
            return cleaned
        self.instance = domain
        cleaned.update(name=domain.name, default_quota_mb=domain.default_quota_mb)
        return cleaned

    def validate_unique(self):
        pass  # the service checked it; the instance is the domain it created


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "default_quota_mb", "created_at"]
    search_fields = ["name"]
    list_filter = ["is_active"]
    add_form = DomainCreationForm
    add_fieldsets = [(None, {"fields": ["name", "default_quota_mb", "password1", "password2"]})]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # Renaming a domain would orphan its accounts' logins and Maildirs; the
        # catch-all is set in the panel, where its target is checked.
        return ["name", "catch_all", "created_at"] if obj else []

    def get_changeform_initial_data(self, request):
        return {"default_quota_mb": settings.HOSTPANEL_DEFAULT_QUOTA_MB,
                **super().get_changeform_initial_data(request)}


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
    """Operators here; mailboxes are read-mostly (the postmaster's panel manages them).

    A mailbox cannot be deleted here: deleting goes through services.delete_account,
    which sets its mail aside for the grace period.
    """

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
    mailbox_readonly_fields = ["username", "domain", "local_part", "quota_mb", "spam_filtering"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.domain_id:
            fields += self.mailbox_readonly_fields
        return fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.domain_id:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # would bypass the grace period for mailboxes
        return actions


@admin.register(DeletedMailbox)
class DeletedMailboxAdmin(admin.ModelAdmin):
    list_display = ["address", "deleted_at", "purge_after"]
    search_fields = ["address"]
