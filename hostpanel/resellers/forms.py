from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hostpanel.domains.forms import add_service_errors
from hostpanel.domains.services import MAX_QUOTA_MB
from hostpanel.resellers import services


class DomainCreateForm(forms.Form):
    """A reseller's new domain and its postmaster, made by services.create_domain."""

    name = forms.CharField(label=_("Domain name"), max_length=253,
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))
    default_quota_mb = forms.IntegerField(
        label=_("Default quota (MB)"), min_value=0, max_value=MAX_QUOTA_MB,
        help_text=_("0 means no limit."))
    password1 = forms.CharField(
        label=_("Postmaster password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("The master password: the account postmaster logs in with it."))
    password2 = forms.CharField(
        label=_("Postmaster password (again)"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, reseller, **kwargs):
        kwargs.setdefault("initial", {"default_quota_mb": settings.HOSTPANEL_DEFAULT_QUOTA_MB})
        super().__init__(*args, **kwargs)
        self.reseller = reseller

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords are not the same."))
        return cleaned

    def save(self):
        """The new domain, or None with the service's errors on the form."""
        data = self.cleaned_data
        try:
            return services.create_domain(self.reseller, data["name"], data["password1"],
                                          default_quota_mb=data["default_quota_mb"])
        except ValidationError as error:
            add_service_errors(self, error, {"password": "password1"})
            return None
