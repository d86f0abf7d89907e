from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hostpanel.api import tokens
from hostpanel.domains.forms import add_service_errors


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=tokens.NAME_MAX_LENGTH,
        required=False,
        help_text=_("To recognise the token later, such as the name of the script using it."),
    )

    def __init__(self, *args, account, **kwargs):
        self.account = account
        super().__init__(*args, **kwargs)

    def save(self) -> str | None:
        """Create the token and return it (shown once), or None with errors on the form."""
        try:
            _row, token = tokens.create_token(self.account, self.cleaned_data["name"])
        except ValidationError as error:
            add_service_errors(self, error)
            return None
        return token
