"""The login form: account, domain and password, as qmailadmin asked for them.

allauth does the rest (authentication, rate limits on failures, the session):
the form only composes the login name ``account@domain`` that is the Account's
username. An operator has no domain and leaves that field empty; a full address
typed in the account field with an empty domain works too.
"""

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.utils.translation import gettext_lazy as _

from hostpanel.lib.logins import compose_username


class LoginForm(AllauthLoginForm):
    account = forms.CharField(
        label=_("Account"),
        max_length=320,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none",
                                      "spellcheck": "false", "autofocus": True}),
    )
    domain = forms.CharField(
        label=_("Domain"),
        max_length=253,
        required=False,
        help_text=_("Leave empty if you typed your full address, or to sign in as operator."),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false",
                                      "inputmode": "url"}),
    )

    field_order = ["account", "domain", "password", "remember"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["login"]
        password = self.fields["password"]
        password.help_text = ""
        password.widget.attrs.pop("placeholder", None)
        self.order_fields(self.field_order)

    def add_error(self, field, error):
        # allauth reports some failures on its own "login" field, which we removed.
        if field == "login":
            field = None
        super().add_error(field, error)

    def clean(self):
        if not self._errors:
            self.cleaned_data["login"] = compose_username(
                self.cleaned_data.get("account", ""), self.cleaned_data.get("domain", "")
            )
        return super().clean()
