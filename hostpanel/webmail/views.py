"""Web mail pages: the list, a message, its parts, writing, deleting, spam and not spam.

Two kinds of box share these views: ``/webmail/`` is the logged-in account's
own mailbox (nobody can name another one), and ``/webmail/domains/<domain>/spam/``
the domain's spam account for whoever manages the domain (404 for others, as
for a domain that does not exist). Message keys from the URL or a form are
only ever looked up among the box's own files (see store.py).

Every response carries a strict Content-Security-Policy: no script runs, no
frame loads, and images come from the panel or ``data:`` only, plus http and
https on a message page whose reader asked for remote images.
"""

import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hostpanel.domains.access import get_domain_for_user
from hostpanel.lib.confirm import ask_first
from hostpanel.webmail import render as display
from hostpanel.webmail import services
from hostpanel.webmail.forms import ComposeForm
from hostpanel.webmail.store import ORDERS, SORTS, valid_key

PER_PAGE = 25
MAX_BULK = 500
CSP = ("default-src 'self'; img-src 'self' data:{remote}; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; object-src 'none'; frame-src 'none'; frame-ancestors 'none'; "
       "form-action 'self'; base-uri 'none'")
ATTACHMENT_CSP = "default-src 'none'; sandbox"
COLUMNS = (("from", gettext_lazy("From")), ("subject", gettext_lazy("Subject")),
           ("date", gettext_lazy("Date")), ("size", gettext_lazy("Size")))


def _strict(view):
    """Give the response the web mail's Content-Security-Policy (unless it set its own)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except FileNotFoundError:  # deleted meanwhile (POP3, another tab)
            raise Http404 from None
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = CSP.format(remote="")
        response.setdefault("X-Content-Type-Options", "nosniff")
        # Not no-referrer: browsers then send "Origin: null" with forms, which CSRF refuses.
        response.setdefault("Referrer-Policy", "same-origin")
        return response

    return wrapper


def _box(request, kind: str, domain_name: str | None) -> services.Box:
    """The box a URL names: the account's own ("own"), its own caught spam ("caught"), or
    the spam box of a domain it manages ("review")."""
    if kind == "review":
        box = services.spam_box(get_domain_for_user(request, domain_name or ""))
    elif kind == "caught":
        box = services.caught_box(request.user)
    else:
        box = services.own_box(request.user)
    if box is None:
        raise Http404
    return box


class _Urls:
    """URLs of one box's pages: ``urls("read", key)``."""

    def __init__(self, kind: str, domain_name: str | None):
        self.prefix = "" if kind == "own" else f"{kind}_"
        self.args = [domain_name] if kind == "review" else []

    def __call__(self, name: str, *args) -> str:
        return reverse(f"webmail:{self.prefix}{name}", args=[*self.args, *args])


def _message(box: services.Box, key: str):
    found = box.mailbox.find(key)
    if found is None:
        raise Http404
    return found


def _sorting(request) -> tuple[str, str]:
    sort, order = request.GET.get("sort", "date"), request.GET.get("order", "")
    if sort not in SORTS:
        sort = "date"
    if order not in ORDERS:
        order = "desc" if sort in ("date", "size") else "asc"
    return sort, order


def _columns(sort: str, order: str) -> list[dict]:
    columns = []
    for name, label in COLUMNS:
        if name == sort:
            next_order = "asc" if order == "desc" else "desc"
            aria = "ascending" if order == "asc" else "descending"
        else:
            next_order, aria = ("desc" if name in ("date", "size") else "asc"), ""
        columns.append({"name": name, "label": label, "aria_sort": aria,
                        "query": urlencode({"sort": name, "order": next_order})})
    return columns


@login_required
@require_safe
@_strict
def index(request, kind: str = "own", domain_name: str | None = None):
    """The message list: paged, sorted by the column the reader chose."""
    if kind == "own" and not request.user.domain_id:
        return render(request, "webmail/no_mailbox.html")
    box, urls = _box(request, kind, domain_name), _Urls(kind, domain_name)
    sort, order = _sorting(request)
    query = request.GET.get("q", "").strip()[:200]
    found = box.mailbox.summaries(sort, order)
    if query:
        needle = query.casefold()
        found = [summary for summary in found
                 if any(needle in text.casefold() for text in (
                     summary.sender, summary.sender_address, summary.subject,
                     summary.original_to))]
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    rows = [(summary, urls("read", summary.key)) for summary in page.object_list]
    return render(request, "webmail/index.html", {
        "box": box, "page": page, "rows": rows, "sort": sort, "order": order,
        "columns": _columns(sort, order), "query": query,
        "sort_query": urlencode({"sort": sort, "order": order, **({"q": query} if query else {})}),
        "review": kind == "review", "caught": kind == "caught",
        "delete_url": urls("bulk_delete"),
        "compose_url": reverse("webmail:compose") if box.own else "",
        "review_url": (reverse("webmail:review_index", args=[box.domain.name])
                       if kind == "own" and request.user.can_manage(box.domain) else ""),
        "caught_url": reverse("webmail:caught_index") if kind == "own" and not box.is_spam_box
        else "",
    })


@login_required
@require_safe
@_strict
def read(request, key: str, kind: str = "own", domain_name: str | None = None):
    """One message: its header, its text or safe HTML, its attachments; marked as read."""
    box, urls = _box(request, kind, domain_name), _Urls(kind, domain_name)
    stored = _message(box, key)
    remote = request.GET.get("images") == "1"
    shown = display.render(box.mailbox.read(stored),
                           lambda index: urls("part", key, index), remote)
    if request.method == "GET":
        box.mailbox.mark_seen(stored)
    entry = services.caught_entry(box, key)
    response = render(request, "webmail/read.html", {
        "box": box, "key": key, "shown": shown, "remote": remote, "entry": entry,
        "review": kind == "review", "caught": kind == "caught",
        "index_url": urls("index"),
        "images_url": urls("read", key) + "?images=1",
        "delete_url": urls("delete", key),
        "spam_url": "" if box.is_spam_box else urls("spam", key),
        "not_spam_url": urls("not_spam", key) if entry else "",
        "reply_url": (reverse("webmail:compose") + "?" + urlencode({"reply": key})
                      if box.own else ""),
        "parts": [(part, urls("part", key, part.index))
                  for part in shown.attachments],
    })
    if remote:
        response["Content-Security-Policy"] = CSP.format(remote=" http: https:")
    return response


@login_required
@require_safe
@_strict
def part(request, key: str, index: int, kind: str = "own", domain_name: str | None = None):
    """An attachment (or a cid: image), always as a download, never as a page."""
    box = _box(request, kind, domain_name)
    found = display.part_data(box.mailbox.read(_message(box, key)), index)
    if found is None:
        raise Http404
    data, filename, content_type = found
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    return response


@login_required
@require_POST
@_strict
def delete(request, key: str, kind: str = "own", domain_name: str | None = None):
    box, urls = _box(request, kind, domain_name), _Urls(kind, domain_name)
    message = _message(box, key)
    if question := ask_first(request, title=_("Delete a message"),
                             question=_("The message is deleted for good as soon as you "
                                        "confirm."),
                             button=_("Delete the message"), cancel_url=urls("index")):
        return question
    services.delete(box, [message])
    messages.success(request, _("The message was deleted."))
    return redirect(urls("index"))


@login_required
@require_POST
@_strict
def bulk_delete(request, kind: str = "own", domain_name: str | None = None):
    """Delete the checked messages; a key that is not one of the box's own is a 404."""
    box, urls = _box(request, kind, domain_name), _Urls(kind, domain_name)
    keys = list(dict.fromkeys(request.POST.getlist("key")))[:MAX_BULK]
    if any(not valid_key(key) for key in keys):
        raise Http404
    found = [box.mailbox.find(key) for key in keys]
    if any(message is None for message in found):
        raise Http404
    if found and (question := ask_first(
            request, title=_("Delete messages"),
            question=ngettext("%(count)d message is deleted for good as soon as you confirm.",
                              "%(count)d messages are deleted for good as soon as you "
                              "confirm.", len(found)) % {"count": len(found)},
            button=_("Delete the messages"), cancel_url=urls("index"))):
        return question
    services.delete(box, found)
    if found:
        messages.success(request, ngettext("%(count)d message was deleted.",
                                           "%(count)d messages were deleted.", len(found))
                         % {"count": len(found)})
    else:
        messages.info(request, _("No message was selected."))
    query = request.POST.get("back", "")
    return redirect(urls("index") + ("?" + query if _safe_query(query) else ""))


def _safe_query(query: str) -> bool:
    return bool(query) and len(query) < 200 and all(c.isalnum() or c in "=&_-" for c in query)


@login_required
@require_POST
@_strict
def spam(request, key: str, kind: str = "own", domain_name: str | None = None):
    """'This is spam': to the domain's spam mailbox, and the classifier learns it."""
    box, urls = _box(request, kind, domain_name), _Urls(kind, domain_name)
    try:
        services.report_spam(box, _message(box, key))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(urls("read", key))
    messages.success(request, _("The message was moved to the spam mailbox, and the spam "
                                "filter learned from it."))
    return redirect(urls("index"))


@login_required
@require_POST
@_strict
def not_spam(request, key: str, kind: str = "own", domain_name: str | None = None):
    """'Not spam' in the spam box: delivered to its original recipient, sender whitelisted."""
    box, urls = _box(request, kind, domain_name), _Urls(kind, domain_name)
    _message(box, key)
    try:
        recipient = services.not_spam(box, key)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(urls("read", key))
    messages.success(request, _("The message was delivered to %(address)s, and its sender "
                                "added to their whitelist.") % {"address": recipient})
    return redirect(urls("index"))


def _reply_initial(box: services.Box, key: str) -> dict:
    stored = box.mailbox.find(key)
    if stored is None:
        raise Http404
    raw = box.mailbox.read(stored)
    shown = display.render(raw, lambda index: "")
    reply_to = display.addresses(shown.reply_to) or display.addresses(shown.sender)
    return {"to": ", ".join(reply_to), "subject": services.reply_subject(shown.subject),
            "body": services.quote(display.plain_text(raw), shown.sender, shown.date),
            "reply": key}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_strict
def compose(request):
    """Write a new message or a reply; it leaves through submission as the account."""
    box = _box(request, "own", None)
    if request.method == "POST":
        form = ComposeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            threading = {}
            if data["reply"]:
                replied = box.mailbox.find(data["reply"])
                if replied is None:
                    raise Http404
                threading = services.reply_headers(box.mailbox.read(replied))
            try:
                services.send(request.user, to=data["to"], cc=data["cc"],
                              subject=data["subject"], body=data["body"],
                              client_ip=request.META.get("REMOTE_ADDR", ""), **threading)
            except ValidationError as error:
                form.add_errors(error)
            else:
                messages.success(request, _("Your message was sent."))
                return redirect("webmail:index")
    else:
        key = request.GET.get("reply", "")
        form = ComposeForm(initial=_reply_initial(box, key) if key else None)
    return render(request, "webmail/compose.html", {
        "box": box, "form": form, "replying": bool(form["reply"].value()),
    })
