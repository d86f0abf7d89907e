"""The demo's outbox page: what visitors sent to other domains, kept on the machine.

In demo mode nothing leaves (:mod:`mailcore.queue.demo_outbox`); this page shows every
signed-in visitor what would have gone out: date, sender, the original recipient and
the subject of the newest messages. Outside demo mode it does not exist.
"""

from email import policy
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from hostpanel.demo import CATCH_ALL_LOGIN
from mailcore.maildir import Maildir, maildir_path
from mailcore.queue.demo_outbox import ORIGINAL_TO

SHOWN = 100  # the newest messages the page lists


def _header(headers, name: str) -> str:
    try:
        return str(headers.get(name, "") or "")
    except (TypeError, ValueError, IndexError):  # a malformed header: left out
        return ""


def _date(headers):
    try:
        return parsedate_to_datetime(_header(headers, "Date"))
    except (TypeError, ValueError, IndexError):
        return None


def kept_messages() -> list[dict]:
    """The newest SHOWN messages of the outbox, newest first (headers only)."""
    local, _, domain = CATCH_ALL_LOGIN.partition("@")
    box = Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, domain, local))
    parser = BytesHeaderParser(policy=policy.default)
    newest = sorted(box.messages(), key=lambda stored: stored.path.name)[-SHOWN:]
    rows = []
    for stored in reversed(newest):
        try:
            with open(stored.path, "rb") as handle:
                headers = parser.parse(handle)
        except OSError:  # taken by a reset meanwhile
            continue
        rows.append({"date": _date(headers), "sender": _header(headers, "From"),
                     "to": _header(headers, ORIGINAL_TO), "subject": _header(headers, "Subject")})
    return rows


@login_required
def outbox(request):
    if not settings.HOSTPANEL_DEMO:
        raise Http404
    return render(request, "demo/outbox.html", {"rows": kept_messages(), "shown": SHOWN})
