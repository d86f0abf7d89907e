"""What a list writes to people, in the list's language: its own texts or the defaults.

Each function returns ``(subject, text)``. The list's own welcome, goodbye and
help texts replace the default body; the rest (confirmation requests,
moderation requests, refusals) are always the defaults, translated.
"""

from mailcore.directory import ListInfo, gettext, translation_override

_ = gettext


def _commands(info: ListInfo) -> str:
    lines = [
        _("To subscribe, write to %(address)s.") % {"address": info.service_address(
            "subscribe")},
        _("To unsubscribe, write to %(address)s.") % {"address": info.service_address(
            "unsubscribe")},
        _("For this help, write to %(address)s.") % {"address": info.service_address("help")},
        _("To reach the list's owner, write to %(address)s.") % {
            "address": info.service_address("owner")},
    ]
    if info.request_address:
        lines.append(_("Commands (subscribe, unsubscribe, help, index, get N) may also be "
                       "sent to %(address)s, in the subject or the first line.")
                     % {"address": info.service_address("request")})
    if info.digest:
        lines.append(_("For the digest, write to %(address)s.") % {
            "address": info.service_address("digest-subscribe")})
    if info.remote_admin:
        lines.append(_("Moderators may subscribe and unsubscribe others with "
                       "\"subscribe ADDRESS\" and \"unsubscribe ADDRESS\"; each is confirmed "
                       "by the moderator."))
    if info.remote_admin and info.remote_view_subscribers:
        lines.append(_("Moderators may ask for the subscribers with \"list\", or "
                       "\"list TEXT\" for those whose address contains TEXT."))
    if info.remote_admin and info.remote_edit_texts:
        lines.append(_("Moderators may change the list's texts with \"edit\"."))
    return "\n".join(lines)


def help_text(info: ListInfo) -> tuple[str, str]:
    with translation_override(info.language):
        subject = _("Help for the list %(list)s") % {"list": info.address}
        return subject, info.help_text or _commands(info)


def index_title(info: ListInfo) -> str:
    with translation_override(info.language):
        return _("Index of the list %(list)s") % {"list": info.address}


def post_title(info: ListInfo, number: int) -> str:
    with translation_override(info.language):
        return _("Message %(number)d of the list %(list)s") % {"number": number,
                                                               "list": info.address}


def welcome(info: ListInfo, address: str) -> tuple[str, str]:
    with translation_override(info.language):
        subject = _("Welcome to %(list)s") % {"list": info.address}
        text = info.welcome_text or _(
            "%(address)s is now subscribed to the list %(list)s.\n\nTo post, write to "
            "%(list)s.") % {"address": address, "list": info.address}
        return subject, text + "\n\n" + _commands(info)


def goodbye(info: ListInfo, address: str) -> tuple[str, str]:
    with translation_override(info.language):
        subject = _("Goodbye from %(list)s") % {"list": info.address}
        text = info.goodbye_text or _(
            "%(address)s is no longer subscribed to the list %(list)s.") % {
            "address": address, "list": info.address}
        return subject, text


def _what(action: str, info: ListInfo, address: str) -> str:
    action = action.removeprefix("a")  # a remote administrator's request: the same words
    what = {
        "sub": _("to subscribe %(address)s to the list %(list)s"),
        "dsub": _("to subscribe %(address)s to the digest of the list %(list)s"),
        "unsub": _("to unsubscribe %(address)s from the list %(list)s"),
        "dunsub": _("to unsubscribe %(address)s from the digest of the list %(list)s"),
    }[action]
    return what % {"address": address, "list": info.address}


def bounce_warning(info: ListInfo, address: str) -> tuple[str, str]:
    with translation_override(info.language):
        subject = _("Messages from %(list)s to you are bouncing") % {"list": info.address}
        text = _(
            "Messages from the list %(list)s to %(address)s have been returned to us "
            "several times. If this message is returned too, %(address)s will be removed "
            "from the list.\n\nYou need not answer it."
        ) % {"list": info.address, "address": address}
        return subject, text


def confirm_request(info: ListInfo, action: str, address: str, confirm: str,
                    days: int) -> tuple[str, str]:
    with translation_override(info.language):
        subject = _("Please confirm: %(what)s") % {"what": _what(action, info, address)}
        text = _(
            "Somebody, perhaps you, asked %(what)s.\n\n"
            "To confirm, reply to this message, or write to:\n%(confirm)s\n\n"
            "If you did not ask for this, do nothing: the request expires in %(days)d days."
        ) % {"what": _what(action, info, address), "confirm": confirm, "days": days}
        return subject, text


def subscription_moderation(info: ListInfo, action: str, address: str, accept: str,
                            reject: str) -> tuple[str, str]:
    what = "sub" if action == "msub" else "dsub"
    with translation_override(info.language):
        subject = _("Approve? %(what)s") % {"what": _what(what, info, address)}
        text = _(
            "%(address)s asks %(what)s.\n\n"
            "To approve, reply to this message, or write to:\n%(accept)s\n\n"
            "To decline, write to:\n%(reject)s"
        ) % {"address": address, "what": _what(what, info, address), "accept": accept,
             "reject": reject}
        return subject, text


def post_moderation(info: ListInfo, sender: str, subject: str, accept: str, reject: str,
                    days: int) -> tuple[str, str]:
    with translation_override(info.language):
        title = _("Moderate for %(list)s: %(subject)s") % {
            "list": info.address, "subject": subject or _("(no subject)")}
        text = _(
            "A message from %(sender)s to %(list)s waits for a moderator. It is attached.\n\n"
            "To send it to the list, reply to this message, or write to:\n%(accept)s\n\n"
            "To reject it, write to:\n%(reject)s\n\n"
            "Without a decision it is dropped after %(days)d days."
        ) % {"sender": sender or _("(unknown sender)"), "list": info.address,
             "accept": accept, "reject": reject, "days": days}
        return title, text


def refusal(info: ListInfo, reason: str, address: str = "") -> tuple[str, str]:
    """Why a post or a request was not taken (``reason``: a key below)."""
    with translation_override(info.language):
        reasons = {
            "subscribers": _("Only subscribers may post to the list %(list)s."),
            "moderators": _("Only moderators may post to the list %(list)s."),
            "size": _("Your message is larger than the list %(list)s takes."),
            "rejected": _("A moderator did not accept your message to the list %(list)s."),
            "private": _("The list %(list)s is private: only its administrators can "
                         "subscribe and unsubscribe people."),
            "subscribed": _("%(address)s is already subscribed to the list %(list)s."),
            "not subscribed": _("%(address)s is not subscribed to the list %(list)s."),
            "declined": _("A moderator declined the subscription of %(address)s to the list "
                          "%(list)s."),
            "archive": _("The archive of the list %(list)s is not open to you."),
            "no post": _("The list %(list)s has no message with that number."),
            "remote": _("Only the moderators of the list %(list)s may do this by mail, and "
                        "only when the list allows it."),
            "edit": _("No new text was found between the two marker lines, or it is too "
                      "long: the text of the list %(list)s is unchanged."),
        }
        subject = _("Not done: your message to %(list)s") % {"list": info.address}
        return subject, reasons[reason] % {"list": info.address, "address": address}


def admin_confirm_request(info: ListInfo, action: str, address: str, confirm: str,
                          days: int) -> tuple[str, str]:
    """To a moderator who asked by mail to (un)subscribe somebody."""
    with translation_override(info.language):
        subject = _("Please confirm: %(what)s") % {"what": _what(action, info, address)}
        text = _(
            "A moderator of the list, perhaps you, asked %(what)s.\n\n"
            "To confirm, reply to this message, or write to:\n%(confirm)s\n\n"
            "If you did not ask for this, do nothing: the request expires in %(days)d days."
        ) % {"what": _what(action, info, address), "confirm": confirm, "days": days}
        return subject, text


def member_list(info: ListInfo, sections: list[tuple[str, tuple[str, ...], int]],
                search: str) -> tuple[str, str]:
    """``sections``: (role, addresses shown, how many match) for subscribers and digest."""
    with translation_override(info.language):
        titles = {"subscriber": _("Subscribers"), "digest": _("Digest subscribers")}
        subject = _("Subscribers of %(list)s") % {"list": info.address}
        lines = [_("Addresses containing: %(text)s") % {"text": search}, ""] if search else []
        for role, addresses, total in sections:
            lines += [f"{titles[role]} ({total})", *addresses]
            if total > len(addresses):
                lines.append(_("(%(shown)d shown; search to see the others)") % {
                    "shown": len(addresses)})
            lines.append("")
        return subject, "\n".join(lines).strip()


START_MARK = "%%% START OF TEXT %%%"
END_MARK = "%%% END OF TEXT %%%"


def _text_names() -> dict[str, str]:
    return {"trailer": _("trailer"), "welcome": _("welcome text"), "help": _("help text"),
            "goodbye": _("goodbye text")}


def edit_menu(info: ListInfo) -> tuple[str, str]:
    with translation_override(info.language):
        subject = _("Texts of %(list)s you can edit") % {"list": info.address}
        lines = [_("To edit one, send the command on its line to %(address)s.") % {
            "address": info.service_address("request")}, ""]
        lines += [f"edit {name}\t{title}" for name, title in _text_names().items()]
        return subject, "\n".join(lines)


def edit_text(info: ListInfo, name: str, current: str, address: str,
              days: int) -> tuple[str, str]:
    with translation_override(info.language):
        title = _text_names()[name]
        subject = _("Edit the %(text)s of %(list)s") % {"text": title, "list": info.address}
        text = _(
            "Reply to this message, or write to %(address)s, with the new text between "
            "the two marker lines below (quoting with > is fine). An empty text brings "
            "back the default. This address works for %(days)d days."
        ) % {"address": address, "days": days}
        return subject, f"{text}\n\n{START_MARK}\n{current}\n{END_MARK}\n"


def text_saved(info: ListInfo, name: str) -> tuple[str, str]:
    with translation_override(info.language):
        subject = _("The %(text)s of %(list)s is saved") % {
            "text": _text_names()[name], "list": info.address}
        return subject, subject + "."
