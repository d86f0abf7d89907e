"""The spam preferences form, for a domain's defaults and for one account.

It turns what a browser sends into hostpanel.spam.services' arguments and shows
the services' errors on their fields. Only what differs from the stored values
is sent, so that saving an account's page unchanged leaves it on its domain's
defaults.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hostpanel.domains.forms import add_service_errors
from hostpanel.domains.models import Account, Domain
from hostpanel.spam import services
from hostpanel.spam.models import (
    DEFAULT_THRESHOLD,
    MAX_LIST_ENTRIES,
    MAX_THRESHOLD,
    MIN_THRESHOLD,
)

OPERATOR_DEFAULT = "default"
OWN_CHOICE = "choose"

_SEPARATORS = re.compile(r"[\r\n,;]+")
_LIST_WIDGET = {"rows": 6, "autocapitalize": "none", "spellcheck": "false", "autocomplete": "off"}
# Generous for MAX_LIST_ENTRIES addresses; the service counts the entries.
_MAX_LIST_TEXT = MAX_LIST_ENTRIES * 330


def split_entries(text: str) -> list[str]:
    """Entries typed one per line (or separated by commas or semicolons)."""
    return [part.strip() for part in _SEPARATORS.split(text or "") if part.strip()]


def _sender_list_field(label, help_text) -> forms.CharField:
    return forms.CharField(label=label, help_text=help_text, required=False,
                           max_length=_MAX_LIST_TEXT, widget=forms.Textarea(attrs=_LIST_WIDGET))


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return None


class PreferencesForm(forms.Form):
    """Spam preferences of a domain (``domain=``) or of one account (``account=``)."""

    enabled = forms.BooleanField(required=False)
    threshold = forms.CharField(
        label=_("Sensitivity (spam threshold)"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    languages = forms.MultipleChoiceField(
        label=_("Accepted languages"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Mail clearly written in a language you do not tick counts as spam; "
                    "short messages, and ones whose language is not certain, are never "
                    "judged by their language. Tick none to accept every language."),
    )
    blocklist_mode = forms.ChoiceField(
        label=_("DNS blocklists"), widget=forms.RadioSelect,
        choices=[(OPERATOR_DEFAULT, _("The blocklists the operator consults by default")),
                 (OWN_CHOICE, _("Only the blocklists ticked below"))],
        help_text=_("Internet databases of addresses known to send spam: mail from a listed "
                    "address gets the points shown."),
    )
    dnsbls = forms.MultipleChoiceField(label=_("Blocklists"), required=False,
                                       widget=forms.CheckboxSelectMultiple)
    whitelist = _sender_list_field(
        _("Whitelist"),
        _("Mail from these senders is never spam. One per line: an address "
          "(bob@example.com) or a whole domain (example.com, which also covers its "
          "subdomains)."))
    blacklist = _sender_list_field(
        _("Blacklist"),
        _("Mail from these senders is always spam. One per line: an address or a whole "
          "domain."))

    def __init__(self, *args, domain: Domain | None = None, account: Account | None = None,
                 **kwargs):
        self.domain, self.account = domain, account
        if account is not None:
            self.current = services.account_preferences(account)
        else:
            self.current = services.domain_preferences(domain)
        self.current_mode = OPERATOR_DEFAULT if self.current["default_dnsbls"] else OWN_CHOICE
        kwargs.setdefault("initial", self._initial())
        super().__init__(*args, **kwargs)
        enabled = self.fields["enabled"]
        if account is not None:
            enabled.label = _("Filter spam for this account")
            enabled.help_text = _("Off: all mail goes to the inbox, whatever its score.")
        else:
            enabled.label = _("Filter spam for new accounts")
            enabled.help_text = _("For accounts created from now on; each existing account "
                                  "keeps its own setting.")
        self.fields["threshold"].help_text = gettext(
            "Every message gets a score: points for what looks like spam (its headers and "
            "text, a sender on a blocklist, a language you do not accept...), points off for "
            "what looks genuine. At this score or more it is spam and goes to the domain's "
            "spam mailbox instead of the inbox. A lower threshold is more sensitive: it "
            "catches more spam but may catch some real mail; a higher one lets more through. "
            "%(default)s suits most people; from %(low)s to %(high)s."
        ) % {"default": f"{DEFAULT_THRESHOLD:g}", "low": f"{MIN_THRESHOLD:g}",
             "high": f"{MAX_THRESHOLD:g}"}
        self.fields["languages"].choices = services.language_choices()
        self.blocklists = list(services.available_blocklists())
        self.fields["dnsbls"].choices = [(b.zone, b.zone) for b in self.blocklists]

    def _initial(self) -> dict:
        current = self.current
        return {"enabled": current["enabled"], "threshold": f"{current['threshold']:g}",
                "languages": current["languages"], "blocklist_mode": self.current_mode,
                "dnsbls": current["dnsbls"], "whitelist": "\n".join(current["whitelist"]),
                "blacklist": "\n".join(current["blacklist"])}

    def language_groups(self) -> list[tuple[str, list]]:
        """The checkboxes split in two: the panel's languages, then the others."""
        boxes = list(self["languages"])
        count = len(services.PANEL_LANGUAGES)
        return [(_("Languages of the panel"), boxes[:count]), (_("Other languages"),
                                                                 boxes[count:])]

    def default_zones(self) -> list[str]:
        """The blocklists consulted when the operator's default is chosen."""
        return [b.zone for b in self.blocklists if b.default_on]

    def blocklist_rows(self) -> list[tuple]:
        """``(checkbox, blocklist)`` for the template: zone, score and description."""
        return list(zip(self["dnsbls"], self.blocklists, strict=True))

    def changes(self) -> dict:
        """The service's keyword arguments for what differs from the stored preferences."""
        data, current = self.cleaned_data, self.current
        wanted = {"enabled": data["enabled"], "languages": data["languages"],
                  "whitelist": split_entries(data["whitelist"]),
                  "blacklist": split_entries(data["blacklist"])}
        if data["blocklist_mode"] == OWN_CHOICE:
            wanted["dnsbls"] = data["dnsbls"]
        changes = {name: value for name, value in wanted.items()
                   if _comparable(name, value) != _comparable(name, current[name])}
        if data["blocklist_mode"] != self.current_mode:
            changes["dnsbls"] = data["dnsbls"] if data["blocklist_mode"] == OWN_CHOICE else None
        if _number(data["threshold"]) != current["threshold"]:
            changes["threshold"] = data["threshold"]
        return changes

    def save(self) -> dict | None:
        """Store the changes; the preferences now in force, or None (errors on the form)."""
        try:
            if self.account is not None:
                return services.set_account_preferences(self.account, **self.changes())
            return services.set_domain_preferences(self.domain, **self.changes())
        except ValidationError as error:
            add_service_errors(self, error)
            return None


def _comparable(name: str, value):
    """Ticked boxes come in the page's order: only which ones matters."""
    return set(value) if name in ("languages", "dnsbls") else value

