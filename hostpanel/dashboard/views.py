"""The domain's home page: the main menu with counts, and the dashboard's pictures."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from hostpanel.dashboard import services
from hostpanel.domains.access import get_domain_for_user

HELP_URL = "/help/"


@dataclass(frozen=True)
class MenuItem:
    icon: str
    label: str
    url: str
    count: str = ""  # e.g. "3 accounts"; '' where nothing is counted


def _menu(domain, counts: dict[str, int]) -> list[MenuItem]:
    name = domain.name
    # Each ngettext call names its strings itself, so that makemessages finds them.
    accounts, forwards = counts["accounts"], counts["forwards"]
    autoresponders, lists = counts["autoresponders"], counts["lists"]
    spam, quarantine = counts["spam"], counts["quarantine"]
    return [
        MenuItem("accounts", _("Email accounts"), reverse("domains:accounts", args=[name]),
                 ngettext("%(count)s account", "%(count)s accounts", accounts)
                 % {"count": accounts}),
        MenuItem("forwards", _("Forwards"), reverse("routing:forwards", args=[name]),
                 ngettext("%(count)s forward", "%(count)s forwards", forwards)
                 % {"count": forwards}),
        MenuItem("autoresponders", _("Autoresponders"),
                 reverse("routing:autoresponders", args=[name]),
                 ngettext("%(count)s autoresponder", "%(count)s autoresponders", autoresponders)
                 % {"count": autoresponders}),
        MenuItem("lists", _("Mailing lists"), reverse("lists:lists", args=[name]),
                 ngettext("%(count)s list", "%(count)s lists", lists) % {"count": lists}),
        MenuItem("spam_preferences", _("Spam preferences"), reverse("spam:domain", args=[name])),
        MenuItem("spam_mailbox", _("Spam mailbox"), reverse("spam:caught", args=[name]),
                 ngettext("%(count)s message caught", "%(count)s messages caught", spam)
                 % {"count": spam}),
        MenuItem("quarantine", _("Virus quarantine"), reverse("quarantine:list", args=[name]),
                 ngettext("%(count)s message quarantined", "%(count)s messages quarantined",
                          quarantine) % {"count": quarantine}),
        MenuItem("mail_settings", _("Mail settings"), reverse("mailsettings:page")),
        MenuItem("help", _("Help"), HELP_URL),
    ]


@login_required
@require_safe
def dashboard(request, domain_name: str):
    domain = get_domain_for_user(request, domain_name)
    return render(request, "dashboard/dashboard.html", {
        "domain": domain,
        "menu": _menu(domain, services.menu_counts(domain)),
        "chart": services.mail_chart(domain),
        "quota": services.cached_quota_chart(domain),
    })
