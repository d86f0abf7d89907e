from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_BODY = 1_000_000  # characters; the message size limit applies on top


class ComposeForm(forms.Form):
    to = forms.CharField(label=_("To"), max_length=4000,
                         help_text=_("Addresses separated by commas."),
                         widget=forms.TextInput(attrs={"autocapitalize": "none",
                                                       "spellcheck": "false"}))
    cc = forms.CharField(label=_("Cc"), max_length=4000, required=False,
                         widget=forms.TextInput(attrs={"autocapitalize": "none",
                                                       "spellcheck": "false"}))
    subject = forms.CharField(label=_("Subject"), max_length=900, required=False)
    body = forms.CharField(label=_("Message"), max_length=MAX_BODY, required=False,
                           strip=False, widget=forms.Textarea(attrs={"rows": 16}))
    reply = forms.CharField(max_length=255, required=False, widget=forms.HiddenInput)

    def add_errors(self, error: ValidationError) -> None:
        """The errors of services.send, on their fields (None: the whole form)."""
        found = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        for field, messages in found.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
