"""Panel forms for mailing lists: qmailadmin's ezmlm screen, one member, a CSV import.

They turn what a browser sends into hostpanel.lists.services' arguments and show
the services' errors on their fields. Labels, help texts and initial values come
from the model's fields, so that the form's defaults are the model's (qmailadmin's).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from hostpanel.domains.forms import add_service_errors
from hostpanel.domains.models import Domain
from hostpanel.lists import services
from hostpanel.lists.models import MailingList

_ADDRESS_WIDGET = {"autocapitalize": "none", "spellcheck": "false", "autocomplete": "off"}
_RADIOS = ("posting", "reply_to", "archive_access")
_ADDRESSES = ("owner", "reply_to_address")
MAX_IMPORT_BYTES = 16 * 1024 * 1024

# The screen's sections, in order: (legend, fields). "name" is only on a new list.
FIELDSETS = (
    (_("List"), ("name", "owner", "prefix")),
    (_("Posting"), ("posting",)),
    (_("Options"), ("reply_to", "reply_to_address", "trailer", "digest", "request_address")),
    (_("Remote administration"), ("remote_admin", "private", "remote_view_subscribers",
                                  "remote_edit_texts")),
    (_("Subscription"), ("subscribe_confirm", "subscribe_moderated", "unsubscribe_confirm")),
    (_("Archive"), ("archive", "archive_access")),
    (_("Language and size"), ("language", "max_message_kb")),
    (_("Texts"), ("welcome_text", "help_text", "goodbye_text")),
)


def language_choices() -> list[tuple[str, str]]:
    """The list languages, each named in itself and in the panel's language."""
    choices = []
    for code in services.LIST_LANGUAGES:
        info = get_language_info(code)
        local, translated = info["name_local"], str(info["name_translated"])
        choices.append((code, local if local == translated else f"{local} ({translated})"))
    return choices


def _option_field(name: str) -> forms.Field:
    model_field = MailingList._meta.get_field(name)
    if name == "language":
        return forms.ChoiceField(label=model_field.verbose_name.capitalize(),
                                 help_text=model_field.help_text, choices=language_choices(),
                                 initial=model_field.default)
    if name == "max_message_kb":
        return model_field.formfield(max_value=services.MAX_MESSAGE_KB)
    field = model_field.formfield()
    if name in _RADIOS:
        field.widget = forms.RadioSelect(choices=field.choices)
    elif name in _ADDRESSES:
        field.widget.attrs.update(_ADDRESS_WIDGET)
    elif name in services.TEXT_OPTIONS:
        field.strip = False
        field.widget.attrs["rows"] = 4
    return field


class ListForm(forms.Form):
    """Every option of a list; with ``domain=`` it makes a new one, with ``mailing_list=``
    it changes that one."""

    def __init__(self, *args, domain: Domain | None = None,
                 mailing_list: MailingList | None = None, **kwargs):
        self.domain, self.mailing_list = domain, mailing_list
        if mailing_list is not None:
            kwargs.setdefault("initial", {name: getattr(mailing_list, name)
                                          for name in services.OPTIONS})
        super().__init__(*args, **kwargs)
        if mailing_list is None:
            self.fields["name"] = forms.CharField(
                label=_("Name"), max_length=40, widget=forms.TextInput(attrs=_ADDRESS_WIDGET),
                help_text=_("The list's address is this name @%(domain)s. Its service "
                            "addresses, such as name-subscribe and name-request, are taken "
                            "too.") % {"domain": domain.name})
        for name in services.OPTIONS:
            self.fields[name] = _option_field(name)
        if mailing_list is None:
            self.fields["prefix"].help_text = _(
                "Put in front of each subject. Empty: the list's name in brackets, such as "
                "[team]; you can remove it afterwards.")
        self.order_fields([name for _legend, names in FIELDSETS for name in names])

    def fieldsets(self) -> list[tuple[str, list]]:
        """``(legend, bound fields)`` for the template, in the screen's order."""
        return [(legend, [self[name] for name in names if name in self.fields])
                for legend, names in FIELDSETS]

    def options(self) -> dict:
        options = {name: self.cleaned_data[name] for name in services.OPTIONS}
        if self.mailing_list is None and not options["prefix"].strip():
            del options["prefix"]  # the service's default: [name]
        return options

    def save(self) -> MailingList | None:
        """The list made or changed; None when the services refused (errors on the form)."""
        try:
            if self.mailing_list is None:
                return services.create_list(self.domain, self.cleaned_data["name"],
                                            **self.options())
            return services.update_list(self.mailing_list, **self.options())
        except ValidationError as error:
            add_service_errors(self, error)
            return None


class MemberForm(forms.Form):
    address = forms.CharField(label=_("Address"), max_length=320,
                              widget=forms.TextInput(attrs=_ADDRESS_WIDGET))

    def __init__(self, *args, mailing_list: MailingList, role: str, **kwargs):
        self.mailing_list, self.role = mailing_list, role
        super().__init__(*args, **kwargs)

    def save(self):
        try:
            return services.add_member(self.mailing_list, self.cleaned_data["address"],
                                       self.role)
        except ValidationError as error:
            add_service_errors(self, error)
            return None


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("One address per line, in the first column; a header line is skipped. "
                    "Addresses already on the list stay as they are."))

    def __init__(self, *args, mailing_list: MailingList, role: str, **kwargs):
        self.mailing_list, self.role = mailing_list, role
        super().__init__(*args, **kwargs)

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("The file is too large: at most %(size)d MB.")
                                  % {"size": MAX_IMPORT_BYTES // (1024 * 1024)})
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_("The file is not UTF-8 text: save it as CSV (UTF-8) "
                                    "and try again.")) from None

    def save(self) -> tuple[int, list[str]] | None:
        """(how many were added, the lines that were not addresses); None on refusal."""
        try:
            return services.import_members(self.mailing_list, self.cleaned_data["file"],
                                           self.role)
        except ValidationError as error:
            add_service_errors(self, error)
            return None
