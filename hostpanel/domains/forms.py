"""Panel forms for email accounts. They validate what a browser can get wrong and
leave the rules to hostpanel.domains.services, whose errors they show per field."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from hostpanel.domains import services
from hostpanel.domains.models import Account, Domain


def add_service_errors(form: forms.Form, error: ValidationError, field_map=None) -> None:
    """Show a service's ValidationError on the form's fields (or above the form)."""
    field_map = field_map or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, messages in error.message_dict.items():
        field = field_map.get(key, key)
        if field == NON_FIELD_ERRORS or field not in form.fields:
            field = None
        for message in messages:
            form.add_error(field, message)


def _quota_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Quota (MB)"),
        min_value=0,
        max_value=services.MAX_QUOTA_MB,
        help_text=_("0 means no limit."),
        **kwargs,
    )


def _password_field(label, required=True, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        **kwargs,
    )


class _PasswordPairMixin:
    """Two password fields that must match: ``password`` and ``password2``."""

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password"), cleaned.get("password2")
        if first and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        return cleaned


class AccountCreateForm(_PasswordPairMixin, forms.Form):
    name = forms.CharField(
        label=_("Account name"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false",
                                      "autocomplete": "off"}),
    )
    password = _password_field(_("Password"))
    password2 = _password_field(_("Password (again)"))
    quota_mb = _quota_field()
    spam_filtering = forms.BooleanField(label=_("Spam filtering"), required=False, initial=True)

    def __init__(self, *args, domain: Domain, **kwargs):
        self.domain = domain
        super().__init__(*args, **kwargs)
        self.fields["quota_mb"].initial = domain.default_quota_mb
        self.fields["name"].help_text = _(
            "The part before @%(domain)s: letters, digits, dots, hyphens and underscores."
        ) % {"domain": domain.name}

    def save(self) -> Account | None:
        """Create the account; None (and errors on the form) if the service refused."""
        data = self.cleaned_data
        try:
            return services.create_account(
                self.domain,
                data["name"],
                data["password"],
                quota_mb=data["quota_mb"],
                spam_filtering=data["spam_filtering"],
            )
        except ValidationError as error:
            add_service_errors(self, error)
            return None


class AccountUpdateForm(_PasswordPairMixin, forms.Form):
    password = _password_field(
        _("New password"), required=False, help_text=_("Leave empty to keep the current one.")
    )
    password2 = _password_field(_("New password (again)"), required=False)
    quota_mb = _quota_field()
    spam_filtering = forms.BooleanField(label=_("Spam filtering"), required=False)

    def __init__(self, *args, account: Account, **kwargs):
        self.account = account
        kwargs.setdefault(
            "initial", {"quota_mb": account.quota_mb, "spam_filtering": account.spam_filtering}
        )
        super().__init__(*args, **kwargs)

    def save(self) -> Account | None:
        data = self.cleaned_data
        try:
            return services.update_account(
                self.account,
                password=data["password"] or None,
                quota_mb=data["quota_mb"],
                spam_filtering=data["spam_filtering"],
            )
        except ValidationError as error:
            add_service_errors(self, error)
            return None


class ChangeOwnPasswordForm(_PasswordPairMixin, forms.Form):
    """A mail user changes their own password (self-service)."""

    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    password = _password_field(_("New password"))
    password2 = _password_field(_("New password (again)"))

    def __init__(self, *args, account: Account, **kwargs):
        self.account = account
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        old = self.cleaned_data["old_password"]
        if not self.account.check_password(old):
            raise ValidationError(_("Your current password is not correct."), code="invalid")
        return old

    def save(self) -> Account | None:
        try:
            return services.update_account(self.account, password=self.cleaned_data["password"])
        except ValidationError as error:
            add_service_errors(self, error)
            return None
