"""Panel forms for forwards, autoresponders, the catch-all and an account's routing.

They turn what a browser sends into the services' arguments and show the
services' errors on their fields; the rules live in hostpanel.routing.services.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hostpanel.domains.forms import add_service_errors
from hostpanel.domains.models import Account, Domain
from hostpanel.routing import services
from hostpanel.routing.models import Autoresponder, Forward, Routing

_SEPARATORS = re.compile(r"[\s,;]+")
_ADDRESS_WIDGET = {"autocapitalize": "none", "spellcheck": "false", "autocomplete": "off"}


def split_addresses(text: str) -> list[str]:
    """Addresses typed one per line (or separated by commas, semicolons or spaces)."""
    return [part for part in _SEPARATORS.split(text or "") if part]


def _addresses_field(label, help_text, required=True) -> forms.CharField:
    return forms.CharField(label=label, help_text=help_text, required=required,
                           widget=forms.Textarea(attrs={"rows": 4, **_ADDRESS_WIDGET}))


def _name_field(domain: Domain) -> forms.CharField:
    return forms.CharField(
        label=_("Address"), max_length=64,
        help_text=_("The part before @%(domain)s: letters, digits, dots, hyphens and "
                    "underscores.") % {"domain": domain.name},
        widget=forms.TextInput(attrs=_ADDRESS_WIDGET),
    )


class _ServiceForm(forms.Form):
    """A form whose ``save()`` calls a service and shows its errors (None on refusal)."""

    field_map: dict = {}

    def call(self, service, *args, **kwargs):
        try:
            return service(*args, **kwargs)
        except ValidationError as error:
            add_service_errors(self, error, self.field_map)
            return None


class ForwardCreateForm(_ServiceForm):
    targets = _addresses_field(
        _("Forward to"),
        _("One address per line: accounts of this domain or addresses anywhere."),
    )

    def __init__(self, *args, domain: Domain, **kwargs):
        self.domain = domain
        super().__init__(*args, **kwargs)
        self.fields = {"name": _name_field(domain), **self.fields}

    def save(self) -> Forward | None:
        return self.call(services.create_forward, self.domain, self.cleaned_data["name"],
                         split_addresses(self.cleaned_data["targets"]))


class ForwardModifyForm(_ServiceForm):
    """qmailadmin's 'modify': untick addresses to remove, type more to add copies."""

    remove = forms.MultipleChoiceField(
        label=_("Remove"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick the addresses that should no longer get a copy."),
    )
    add = _addresses_field(_("Add addresses"), _("One address per line."), required=False)
    field_map = {"targets": "add"}

    def __init__(self, *args, forward: Forward, **kwargs):
        self.forward = forward
        super().__init__(*args, **kwargs)
        self.fields["remove"].choices = [(target, target) for target in forward.targets]

    def save(self) -> Forward | None:
        removed = set(self.cleaned_data["remove"])
        kept = [target for target in self.forward.targets if target not in removed]
        return self.call(services.update_forward, self.forward,
                         kept + split_addresses(self.cleaned_data["add"]))


class CatchAllForm(_ServiceForm):
    catch_all = forms.CharField(
        label=_("Send mail for unknown addresses to"), required=False, max_length=320,
        help_text=_("Leave empty to refuse mail for addresses that do not exist (the "
                    "default)."),
        widget=forms.TextInput(attrs=_ADDRESS_WIDGET),
    )

    def __init__(self, *args, domain: Domain, **kwargs):
        self.domain = domain
        kwargs.setdefault("initial", {"catch_all": domain.catch_all})
        super().__init__(*args, **kwargs)

    def save(self) -> Domain | None:
        return self.call(services.set_catch_all, self.domain, self.cleaned_data["catch_all"])


def _subject_field(required=True) -> forms.CharField:
    return forms.CharField(label=_("Subject"), required=required,
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))


def _message_field(required=True) -> forms.CharField:
    return forms.CharField(label=_("Message"), required=required, strip=False,
                           widget=forms.Textarea(attrs={"rows": 8}))


def _copy_to_field() -> forms.CharField:
    return forms.CharField(
        label=_("Send a copy of each message to"), required=False, max_length=320,
        help_text=_("Optional: an address that receives every message sent to the "
                    "autoresponder."),
        widget=forms.TextInput(attrs=_ADDRESS_WIDGET),
    )


class AutoresponderModifyForm(_ServiceForm):
    copy_to = _copy_to_field()
    subject = _subject_field()
    message = _message_field()

    def __init__(self, *args, responder: Autoresponder, **kwargs):
        self.responder = responder
        kwargs.setdefault("initial", {"copy_to": responder.copy_to, "subject": responder.subject,
                                      "message": responder.message})
        super().__init__(*args, **kwargs)

    def save(self) -> Autoresponder | None:
        data = self.cleaned_data
        return self.call(services.update_autoresponder, self.responder, copy_to=data["copy_to"],
                         subject=data["subject"], message=data["message"])


class AutoresponderCreateForm(_ServiceForm):
    copy_to = _copy_to_field()
    subject = _subject_field()
    message = _message_field()

    def __init__(self, *args, domain: Domain, **kwargs):
        self.domain = domain
        super().__init__(*args, **kwargs)
        self.fields = {"name": _name_field(domain), **self.fields}

    def save(self) -> Autoresponder | None:
        data = self.cleaned_data
        return self.call(services.create_autoresponder, self.domain, data["name"],
                         data["subject"], data["message"], copy_to=data["copy_to"])


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class RoutingForm(_ServiceForm):
    """An account's routing (Standard / Forward / Delete) and its vacation message."""

    mode = forms.ChoiceField(label=_("Routing"), choices=Routing.MODES,
                             widget=forms.RadioSelect)
    forward_to = _addresses_field(_("Forward to"), _("One address per line."), required=False)
    save_copy = forms.BooleanField(label=_("Save a copy in this mailbox"), required=False)
    vacation_enabled = forms.BooleanField(label=_("Send a vacation message"), required=False)
    vacation_subject = _subject_field(required=False)
    vacation_message = _message_field(required=False)
    vacation_start = forms.DateField(label=pgettext_lazy("first day", "From"), required=False,
                                     widget=_DateInput(),
                                     help_text=_("Optional: the first day replies go out."))
    vacation_end = forms.DateField(label=pgettext_lazy("last day", "Until"), required=False,
                                   widget=_DateInput(),
                                   help_text=_("Optional: the last day replies go out."))

    def __init__(self, *args, account: Account, **kwargs):
        self.account = account
        self.routing = services.routing_for(account)
        initial = {field: getattr(self.routing, field) for field in services.ROUTING_FIELDS}
        initial["forward_to"] = "\n".join(self.routing.forward_to)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        changes = dict(self.cleaned_data)
        changes["forward_to"] = split_addresses(changes["forward_to"])
        if changes["mode"] != Routing.FORWARD and changes["forward_to"] == self.routing.forward_to:
            del changes["forward_to"]  # unused and untouched: an outdated list is no error
        return changes

    def save(self) -> Routing | None:
        return self.call(services.update_routing, self.account, **self.changes())
