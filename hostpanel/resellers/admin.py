"""The operator manages resellers, their logins and their domains here.

Every change is validated by services.py (the same checks as everywhere else);
deleting a reseller goes through services.delete_reseller.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hostpanel.domains.forms import add_service_errors
from hostpanel.resellers import services
from hostpanel.resellers.models import Reseller, ResellerDomain, ResellerLogin


class ResellerForm(forms.ModelForm):
    class Meta:
        model = Reseller
        fields = list(services.FIELDS)

    def clean(self):
        data = super().clean()
        given = {field: data[field] for field in services.FIELDS if field in data}
        try:
            data.update(services.clean_reseller(self.instance, **given))
        except ValidationError as error:
            add_service_errors(self, error)
        return data


class ResellerLoginForm(forms.ModelForm):
    class Meta:
        model = ResellerLogin
        fields = ["account"]

    def clean(self):
        data = super().clean()
        account = data.get("account")
        reseller = self.instance.reseller if self.instance.reseller_id else Reseller()
        if account is not None:
            try:
                services.check_login_account(account, reseller)
            except ValidationError as error:
                add_service_errors(self, error)
        return data


class ResellerLoginInline(admin.TabularInline):
    model = ResellerLogin
    form = ResellerLoginForm
    extra = 1
    verbose_name = _("login")
    verbose_name_plural = _("logins (accounts without a domain, made under Accounts)")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "account":
            kwargs["queryset"] = db_field.related_model.objects.filter(
                domain__isnull=True, is_staff=False, is_superuser=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ResellerDomainInline(admin.TabularInline):
    model = ResellerDomain
    extra = 1
    raw_id_fields = ["domain"]
    verbose_name = _("domain")
    verbose_name_plural = _("domains")


@admin.register(Reseller)
class ResellerAdmin(admin.ModelAdmin):
    form = ResellerForm
    inlines = [ResellerLoginInline, ResellerDomainInline]
    list_display = ["name", "panel_host", "pop3_host", "smtp_host", "support_address"]
    search_fields = ["name", "panel_host"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not services.panel_host_accepted(obj.panel_host):
            messages.warning(request, gettext(
                "The panel host %(host)s is not in HOSTPANEL_ALLOWED_HOSTS: add it there, "
                "or requests for it are refused.") % {"host": obj.panel_host})

    def delete_model(self, request, obj):
        services.delete_reseller(obj)

    def delete_queryset(self, request, queryset):
        for reseller in queryset:
            services.delete_reseller(reseller)
