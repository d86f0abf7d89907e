"""The postmaster's pages for mailing lists: options, members, moderation queue, archive.

Every management page goes through get_domain_for_user: 404 for a domain the
logged-in account does not manage, exactly as for one that does not exist. The
archive pages alone are also open to the domain's mail users, as the list's
archive retrieval setting allows (:func:`may_read_archive`).
"""

import email
import email.errors
from email import policy
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hostpanel.domains.access import get_domain_for_user
from hostpanel.domains.models import Domain
from hostpanel.lib.confirm import ask_first
from hostpanel.lists import services
from hostpanel.lists.forms import ImportForm, ListForm, MemberForm
from hostpanel.lists.models import ArchiveAccess, ArchivedPost, MailingList, Role

PER_PAGE = 25
SHOWN_BAD_LINES = 20
MAX_SHOWN_BYTES = 2 * 1024 * 1024  # of an archived message shown in the page

# The member pages' URL part, and what it means.
KINDS = {"subscribers": Role.SUBSCRIBER, "moderators": Role.MODERATOR,
         "digest-subscribers": Role.DIGEST}


def _get_list(domain: Domain, name: str) -> MailingList:
    mailing_list = MailingList.objects.filter(domain=domain, local_part=name.lower()).first()
    if mailing_list is None:
        raise Http404
    return mailing_list


def _managed_list(request, domain_name: str, name: str) -> MailingList:
    return _get_list(get_domain_for_user(request, domain_name), name)


def _lists_url(domain: Domain) -> str:
    return reverse("lists:lists", args=[domain.name])


def _page(request, found, order: str):
    return Paginator(found.order_by(order), PER_PAGE).get_page(request.GET.get("page"))


def _query(request) -> str:
    return request.GET.get("q", "").strip()[:320]


# Lists ------------------------------------------------------------------------------------


@login_required
@require_safe
def lists(request, domain_name: str):
    domain = get_domain_for_user(request, domain_name)
    query = _query(request)
    found = domain.mailing_lists.select_related("domain").annotate(
        subscribers=Count("members", filter=Q(members__role=Role.SUBSCRIBER)))
    if query:
        found = found.filter(local_part__icontains=query.lower())
    return render(request, "lists/lists.html", {
        "domain": domain, "page": _page(request, found, "local_part"), "query": query})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def list_new(request, domain_name: str):
    domain = get_domain_for_user(request, domain_name)
    form = ListForm(request.POST or None, domain=domain)
    if request.method == "POST" and form.is_valid() and (mailing_list := form.save()):
        messages.success(request, _("The mailing list %(address)s was created.")
                         % {"address": mailing_list.address})
        return redirect(_lists_url(domain))
    return render(request, "lists/list_form.html", {"domain": domain, "form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def list_edit(request, domain_name: str, name: str):
    mailing_list = _managed_list(request, domain_name, name)
    form = ListForm(request.POST or None, mailing_list=mailing_list)
    if request.method == "POST" and form.is_valid() and form.save():
        messages.success(request, _("The mailing list %(address)s was changed.")
                         % {"address": mailing_list.address})
        return redirect(_lists_url(mailing_list.domain))
    mailing_list.refresh_from_db()  # a refused change leaves the stored options as they were
    return render(request, "lists/list_form.html", {
        "domain": mailing_list.domain, "mailing_list": mailing_list, "form": form,
        "section": "edit"})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def list_delete(request, domain_name: str, name: str):
    mailing_list = _managed_list(request, domain_name, name)
    if request.method == "POST":
        services.delete_list(mailing_list)
        messages.success(request, _("The mailing list %(address)s was deleted.")
                         % {"address": mailing_list.address})
        return redirect(_lists_url(mailing_list.domain))
    return render(request, "lists/list_delete.html", {
        "domain": mailing_list.domain, "mailing_list": mailing_list,
        "counts": dict(mailing_list.members.values_list("role").annotate(Count("pk"))),
        "archived": mailing_list.archive_posts.count()})


# Members ----------------------------------------------------------------------------------


def _members_title(role: str, mailing_list: MailingList) -> str:
    titles = {Role.SUBSCRIBER: _("Subscribers of %(address)s"),
              Role.MODERATOR: _("Moderators of %(address)s"),
              Role.DIGEST: _("Digest subscribers of %(address)s")}
    return titles[role] % {"address": mailing_list.address}


def _members_url(mailing_list: MailingList, kind: str) -> str:
    return reverse("lists:members", args=[mailing_list.domain.name, mailing_list.local_part,
                                          kind])


def _members_page(request, mailing_list: MailingList, kind: str, add_form=None,
                  import_form=None):
    role = KINDS[kind]
    query = _query(request)
    page = _page(request, services.members(mailing_list, role, query), "address")
    return render(request, "lists/members.html", {
        "domain": mailing_list.domain, "mailing_list": mailing_list, "kind": kind,
        "role": role, "role_label": Role(role).label, "title": _members_title(role, mailing_list),
        "section": kind, "page": page,
        "query": query,
        "add_form": add_form or MemberForm(mailing_list=mailing_list, role=role),
        "import_form": import_form or ImportForm(mailing_list=mailing_list, role=role),
    })


@login_required
@require_safe
def members(request, domain_name: str, name: str, kind: str):
    return _members_page(request, _managed_list(request, domain_name, name), kind)


@login_required
@require_POST
def member_add(request, domain_name: str, name: str, kind: str):
    mailing_list = _managed_list(request, domain_name, name)
    form = MemberForm(request.POST, mailing_list=mailing_list, role=KINDS[kind])
    if form.is_valid() and (member := form.save()):
        messages.success(request, _("%(address)s was added.") % {"address": member.address})
        return redirect(_members_url(mailing_list, kind))
    return _members_page(request, mailing_list, kind, add_form=form)


@login_required
@require_POST
def member_remove(request, domain_name: str, name: str, kind: str):
    mailing_list = _managed_list(request, domain_name, name)
    address = request.POST.get("address", "")[:320]
    if question := ask_first(
            request, title=_("Remove an address"),
            question=_("%(address)s is removed from %(list)s as soon as you confirm.")
            % {"address": address, "list": mailing_list.address},
            button=_("Remove the address"), cancel_url=_members_url(mailing_list, kind)):
        return question
    if services.remove_member(mailing_list, address, KINDS[kind]):
        messages.success(request, _("%(address)s was removed.") % {"address": address})
    else:
        messages.error(request, _("%(address)s is not on the list.") % {"address": address})
    return redirect(_members_url(mailing_list, kind))


@login_required
@require_POST
def member_import(request, domain_name: str, name: str, kind: str):
    mailing_list = _managed_list(request, domain_name, name)
    form = ImportForm(request.POST, request.FILES, mailing_list=mailing_list, role=KINDS[kind])
    result = form.save() if form.is_valid() else None
    if result is None:
        return _members_page(request, mailing_list, kind, import_form=form)
    added, bad = result
    messages.success(request, ngettext("%(count)d address was added.",
                                       "%(count)d addresses were added.", added)
                     % {"count": added})
    if bad:
        shown = ", ".join(bad[:SHOWN_BAD_LINES])
        if len(bad) > SHOWN_BAD_LINES:
            shown += " " + _("and %(count)d more") % {"count": len(bad) - SHOWN_BAD_LINES}
        messages.warning(request, ngettext(
            "%(count)d line is not an address and was skipped: %(lines)s",
            "%(count)d lines are not addresses and were skipped: %(lines)s", len(bad))
            % {"count": len(bad), "lines": shown})
    return redirect(_members_url(mailing_list, kind))


@login_required
@require_safe
def member_export(request, domain_name: str, name: str, kind: str):
    mailing_list = _managed_list(request, domain_name, name)
    response = HttpResponse(services.export_members(mailing_list, KINDS[kind]),
                            content_type="text/csv; charset=utf-8")
    filename = f"{mailing_list.local_part}-{kind}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Moderation -------------------------------------------------------------------------------


@login_required
@require_safe
def moderation(request, domain_name: str, name: str):
    mailing_list = _managed_list(request, domain_name, name)
    query, found = _query(request), mailing_list.pending_posts.all()
    if query:
        found = found.filter(Q(sender__icontains=query) | Q(subject__icontains=query))
    page = _page(request, found, "created_at")
    return render(request, "lists/moderation.html", {
        "domain": mailing_list.domain, "mailing_list": mailing_list, "page": page,
        "query": query,
        "section": "moderation"})


@login_required
@require_POST
def moderate(request, domain_name: str, name: str, post_id: int, accept: bool):
    """Accept (send to the list) or reject a held post, as a moderator's reply would."""
    mailing_list = _managed_list(request, domain_name, name)
    pending = mailing_list.pending_posts.filter(pk=post_id).first()
    if pending is None:
        raise Http404
    if not services.moderate(pending, accept):
        messages.error(request, _("This post was already accepted, rejected or expired."))
    elif accept:
        messages.success(request, _("The post from %(sender)s was sent to the list.")
                         % {"sender": pending.sender})
    else:
        messages.success(request, _("The post from %(sender)s was rejected.")
                         % {"sender": pending.sender})
    return redirect(reverse("lists:moderation", args=[mailing_list.domain.name,
                                                      mailing_list.local_part]))


# Archive ----------------------------------------------------------------------------------


def may_read_archive(user, mailing_list: MailingList) -> bool:
    """Whether ``user`` may read the list's archive in the panel.

    The domain's managers always may. A mail user of the domain may when the
    archive is on and its retrieval setting lets them: anyone; subscribers
    (digest subscribers and moderators count); moderators only.
    """
    if user.can_manage(mailing_list.domain):
        return True
    if not (user.is_active and user.domain_id == mailing_list.domain_id
            and mailing_list.archive):
        return False
    if mailing_list.archive_access == ArchiveAccess.ANYONE:
        return True
    roles = ([Role.MODERATOR] if mailing_list.archive_access == ArchiveAccess.MODERATORS
             else Role.values)
    return mailing_list.members.filter(address=user.address, role__in=roles).exists()


def _readable_list(request, domain_name: str, name: str) -> MailingList:
    """The list if the user may read its archive; 404 otherwise, as for no such list."""
    mailing_list = (MailingList.objects.select_related("domain")
                    .filter(domain__name=domain_name.lower(), local_part=name.lower()).first())
    if mailing_list is None or not may_read_archive(request.user, mailing_list):
        raise Http404
    return mailing_list


def _message_file(post: ArchivedPost) -> Path | None:
    """Where the post's file is; None when its path leads outside the lists' folder."""
    path = Path(post.path).resolve()
    return path if path.is_relative_to(Path(settings.HOSTPANEL_LISTS).resolve()) else None


def read_message(post: ArchivedPost) -> dict:
    """The post's text for the page: its plain-text part, or else the whole message source.

    ``{"text": str | None, "cut": bool}``: no text when the file cannot be read;
    ``cut`` when only the first MAX_SHOWN_BYTES are shown.
    """
    path = _message_file(post)
    try:
        if path is None:
            raise FileNotFoundError(post.path)
        with path.open("rb") as handle:
            raw = handle.read(MAX_SHOWN_BYTES + 1)
    except OSError:
        return {"text": None, "cut": False}
    cut = len(raw) > MAX_SHOWN_BYTES
    raw = raw[:MAX_SHOWN_BYTES]
    text = None
    if not cut:
        try:
            body = email.message_from_bytes(raw, policy=policy.default).get_body(("plain",))
            text = body.get_content() if body is not None else None
        except (LookupError, ValueError, AttributeError, email.errors.MessageError):
            text = None  # a broken part or unknown charset: show the source instead
    if text is None:
        text = raw.decode("utf-8", errors="replace")
    return {"text": text, "cut": cut}


def _archive_context(request, mailing_list: MailingList) -> dict:
    return {"domain": mailing_list.domain, "mailing_list": mailing_list, "section": "archive",
            "manages": request.user.can_manage(mailing_list.domain)}


@login_required
@require_safe
def archive(request, domain_name: str, name: str):
    mailing_list = _readable_list(request, domain_name, name)
    query = _query(request)
    found = mailing_list.archive_posts.all()
    if query:
        found = found.filter(Q(subject__icontains=query) | Q(sender__icontains=query))
    return render(request, "lists/archive.html", {
        **_archive_context(request, mailing_list), "query": query,
        "page": _page(request, found, "-number")})


@login_required
@require_safe
def archive_post(request, domain_name: str, name: str, number: int):
    mailing_list = _readable_list(request, domain_name, name)
    post = mailing_list.archive_posts.filter(number=number).first()
    if post is None:
        raise Http404
    return render(request, "lists/archive_post.html", {
        **_archive_context(request, mailing_list), "post": post,
        "message": read_message(post)})


@csrf_exempt  # mail providers POST here (RFC 8058); the signed link is the authority
@require_http_methods(["GET", "HEAD", "POST"])
def one_click(request, list_id: int, cookie: str):
    """The unsubscribe link in a subscriber's copy: a GET asks, a POST unsubscribes.

    Link checkers and previews only GET; mail providers' one-click buttons POST
    ``List-Unsubscribe=One-Click``, as the page's own button does.
    """
    found = services.one_click_member(list_id, cookie)
    if found is None:
        return render(request, "lists/unsubscribe.html", {"invalid": True}, status=404)
    mailing_list, address, role = found
    context = {"mailing_list": mailing_list, "address": address,
               "digest": role == Role.DIGEST}
    if request.method == "POST":
        context["removed"] = services.remove_member(mailing_list, address, role)
        context["done"] = True
    else:
        context["member"] = services.is_member(mailing_list, address, role)
    return render(request, "lists/unsubscribe.html", context)
