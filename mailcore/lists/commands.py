"""Commands by mail: subscribe, unsubscribe, help, index, get, owner, and their confirmations.

Who asks is the ``From`` address (the envelope sender when there is none).
Every answer goes to the address the request is about, never to a different
envelope sender: a forged "subscribe jane" makes jane, not the forger, get
the confirmation request, and nobody is subscribed until jane replies to
``team-confirm-<cookie>@``. Cookies are signed and name the list, the action
and the address (:mod:`.cookies`). Answers to requests anybody could forge
count against the hourly limits per address and per list, so a list cannot
be made to mail-bomb anyone. Bounces, automatic replies and robots get no
answer at all.
"""

import logging
from email import message_from_bytes
from email import policy as email_policy

from mailcore.directory import ListInfo, Route
from mailcore.lists import cookies, headers, mailer, moderation, post, texts
from mailcore.routing.facts import MessageFacts

log = logging.getLogger("mailcore.lists")

REQUESTS = ("subscribe", "unsubscribe", "help", "index", "get", "list", "edit")
MAX_COMMAND_BODY = 64 * 1024  # bytes of a -request message read for its first line
INDEX_LENGTH = 100  # posts an index lists
_ROLES = {False: "subscriber", True: "digest"}
LIST_LENGTH = 1000  # addresses a remote administrator's "list" answer shows per role
EDITABLE = {"trailer": "trailer", "welcome": "welcome_text", "help": "help_text",
            "goodbye": "goodbye_text"}


def requester(sender: str, facts: MessageFacts) -> str:
    return (facts.senders[0] if facts.senders else sender).lower()


def first_line(message: bytes) -> str:
    """The first non-blank line of the message's text (its text/plain part)."""
    return next((line.strip() for line in body_text(message).splitlines() if line.strip()),
                "")


def body_text(message: bytes) -> str:
    """The message's text (its text/plain part), '' when it has none."""
    try:
        parsed = message_from_bytes(message[:MAX_COMMAND_BODY], policy=email_policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        return str(body.get_content()) if body is not None else ""
    except (LookupError, ValueError, AttributeError, TypeError):
        return ""


def parse_request(message: bytes, facts: MessageFacts) -> tuple[str, str]:
    """``(command, argument)`` from the subject or else the first body line; help otherwise.

    "Re:" in front of a subject is skipped.
    """
    subject = headers.subject_of(message)
    while subject[:3].lower() in ("re:", "aw:", "sv:"):
        subject = subject[3:].lstrip()
    for line in (subject, first_line(message)):
        words = line.lower().split()
        if words and words[0] in REQUESTS:
            return words[0], words[1] if len(words) > 1 else ""
    return "help", ""


def marked_text(message: bytes) -> str | None:
    """The text between the edit markers of a reply, unquoted; None without both markers."""
    lines = body_text(message).splitlines()
    starts = [number for number, line in enumerate(lines) if texts.START_MARK in line
              and not line.partition(texts.START_MARK)[0].strip(" >")]
    if not starts:
        return None
    start = starts[0]
    prefix = lines[start].partition(texts.START_MARK)[0]
    kept = []
    for line in lines[start + 1:]:
        if line.startswith(prefix):
            line = line[len(prefix):]
        elif line.startswith(prefix.rstrip()):
            line = line[len(prefix.rstrip()):]
        if line.strip() == texts.END_MARK:
            return "\n".join(kept).strip("\n")
        kept.append(line)
    return None


class Commands:
    """The commands of one list for one incoming message."""

    def __init__(self, router, info: ListInfo, message: bytes, sender: str,
                 facts: MessageFacts):
        self.router, self.info, self.message = router, info, message
        self.sender, self.facts = sender, facts
        self.directory = router.directory

    # -- answers -----------------------------------------------------------------------

    def _tell(self, to: str, subject: str, text: str, *, reply_to: str = "",
              attached: bytes | None = None) -> None:
        data = mailer.notice(self.info, to, subject, text, reply_to=reply_to,
                             answering=self.facts, attached=attached)
        mailer.send(self.router, self.info, data, to, limited=True)

    def _refuse(self, to: str, reason: str, address: str = "") -> None:
        log.info("%s: request for <%s> not done: %s", self.info.address, address or to,
                 reason)
        self._tell(to, *texts.refusal(self.info, reason, address or to))

    def _ask_confirmation(self, action: str, address: str) -> None:
        days = self.directory.list_periods().confirm_days
        cookie = cookies.make(self.router.config.secret, self.info.id, action, address,
                              valid_days=days)
        confirm = self.info.service_address("confirm", cookie)
        subject, text = texts.confirm_request(self.info, action, address, confirm, days)
        self._tell(address, subject, text, reply_to=confirm)
        log.info("%s: confirmation (%s) asked of <%s>", self.info.address, action, address)

    # -- subscriptions -----------------------------------------------------------------

    def subscribe(self, address: str, digest: bool = False) -> None:
        role = _ROLES[digest]
        if self.info.private:
            self._refuse(address, "private")
        elif self.directory.member_roles(self.info.id, [address]) & {role}:
            self._refuse(address, "subscribed")
        elif self.info.subscribe_confirm:
            self._ask_confirmation("dsub" if digest else "sub", address)
        elif self.info.subscribe_moderated:
            moderation.ask_subscription(self.router, self.info, "mdsub" if digest else "msub",
                                        address)
        else:
            self.join(address, role)

    def join(self, address: str, role: str) -> None:
        if self.directory.add_list_member(self.info.id, address, role):
            log.info("%s: <%s> subscribed (%s)", self.info.address, address, role)
            self._tell(address, *texts.welcome(self.info, address))

    def unsubscribe(self, address: str, digest: bool = False) -> None:
        role = _ROLES[digest]
        if self.info.private:
            self._refuse(address, "private")
        elif not self.directory.member_roles(self.info.id, [address]) & {role}:
            self._refuse(address, "not subscribed")
        elif self.info.unsubscribe_confirm:
            self._ask_confirmation("dunsub" if digest else "unsub", address)
        else:
            self.leave(address, role)

    def leave(self, address: str, role: str) -> None:
        if self.directory.remove_list_member(self.info.id, address, role):
            log.info("%s: <%s> unsubscribed (%s)", self.info.address, address, role)
            self._tell(address, *texts.goodbye(self.info, address))

    def confirm(self, argument: str) -> None:
        cookie = cookies.check(self.router.config.secret, self.info.id, argument)
        address = cookies.decode_address(cookie.payload) if cookie else None
        if cookie is None or address is None or cookie.action not in (
                "sub", "dsub", "unsub", "dunsub", "asub", "adsub", "aunsub", "adunsub"):
            log.info("%s: confirmation with a bad or expired cookie from <%s> ignored",
                     self.info.address, self.sender)
            return
        if cookie.action.startswith("a"):
            self._administer(cookie.action, address)
            return
        digest = cookie.action.startswith("d")
        if self.info.private:
            self._refuse(address, "private")
        elif cookie.action in ("unsub", "dunsub"):
            self.leave(address, _ROLES[digest])
        elif self.info.subscribe_moderated:
            moderation.ask_subscription(self.router, self.info, "mdsub" if digest else "msub",
                                        address)
        else:
            self.join(address, _ROLES[digest])

    def decide(self, argument: str, accepted: bool) -> None:
        """A moderator's accept or reject: of a held post, or of a subscription."""
        cookie = cookies.check(self.router.config.secret, self.info.id, argument)
        if cookie is None or cookie.action not in ("post", "msub", "mdsub"):
            log.info("%s: moderation with a bad or expired cookie from <%s> ignored",
                     self.info.address, self.sender)
            return
        if cookie.action == "post":
            moderation.decide_post(self.router, self.info, cookie.payload, accepted)
            return
        address = cookies.decode_address(cookie.payload)
        if address is None:
            return
        if accepted:
            self.join(address, _ROLES[cookie.action == "mdsub"])
        else:
            self._refuse(address, "declined")

    # -- remote administration -----------------------------------------------------------

    def is_remote_admin(self, address: str) -> bool:
        """A moderator of a list that is administered by mail.

        ``From`` can be forged: whatever a remote administrator asks is only done
        after a confirmation sent to that moderator's own address.
        """
        return self.info.remote_admin and "moderator" in self.directory.member_roles(
            self.info.id, [address])

    def ask_admin(self, moderator: str, action: str, address: str) -> None:
        """``action``: asub, adsub, aunsub, adunsub; the moderator confirms by reply."""
        days = self.directory.list_periods().confirm_days
        cookie = cookies.make(self.router.config.secret, self.info.id, action, address,
                              valid_days=days)
        confirm = self.info.service_address("confirm", cookie)
        subject, text = texts.admin_confirm_request(self.info, action, address, confirm, days)
        self._tell(moderator, subject, text, reply_to=confirm)
        log.info("%s: moderator <%s> asked to confirm %s of <%s>", self.info.address,
                 moderator, action, address)

    def _administer(self, action: str, address: str) -> None:
        if not self.info.remote_admin:
            log.info("%s: remote administration is off; %s of <%s> not done",
                     self.info.address, action, address)
            return
        role = _ROLES[action.startswith("ad")]
        if action in ("asub", "adsub"):
            if self.directory.add_list_member(self.info.id, address, role):
                log.info("%s: <%s> subscribed (%s) by a moderator", self.info.address,
                         address, role)
                self._tell(address, *texts.welcome(self.info, address))
        else:
            self.leave(address, role)

    def member_list(self, who: str, search: str) -> None:
        if not (self.info.remote_view_subscribers and self.is_remote_admin(who)):
            self._refuse(who, "remote")
            return
        sections = []
        for role in ("subscriber", "digest"):
            addresses, total = self.directory.search_list_members(
                self.info.id, role, search, LIST_LENGTH)
            sections.append((role, addresses, total))
        self._tell(who, *texts.member_list(self.info, sections, search))

    def edit(self, who: str, name: str) -> None:
        if not (self.info.remote_edit_texts and self.is_remote_admin(who)):
            self._refuse(who, "remote")
            return
        if name not in EDITABLE:
            self._tell(who, *texts.edit_menu(self.info))
            return
        days = self.directory.list_periods().confirm_days
        cookie = cookies.make(self.router.config.secret, self.info.id, "edit", name,
                              valid_days=days)
        address = self.info.service_address("edit", cookie)
        current = getattr(self.info, EDITABLE[name])
        self._tell(who, *texts.edit_text(self.info, name, current, address, days),
                   reply_to=address)

    def save_text(self, argument: str) -> None:
        """A reply to an edit request: the new text between the markers."""
        cookie = cookies.check(self.router.config.secret, self.info.id, argument)
        who = requester(self.sender, self.facts)
        if cookie is None or cookie.action != "edit" or cookie.payload not in EDITABLE:
            log.info("%s: edit with a bad or expired cookie from <%s> ignored",
                     self.info.address, self.sender)
            return
        if not (self.info.remote_admin and self.info.remote_edit_texts):
            self._refuse(who, "remote")
            return
        text = marked_text(self.message)
        if text is None or not self.directory.set_list_text(
                self.info.id, EDITABLE[cookie.payload], text):
            self._refuse(who, "edit")
            return
        log.info("%s: %s text changed by mail from <%s>", self.info.address, cookie.payload,
                 who)
        self._tell(who, *texts.text_saved(self.info, cookie.payload))

    # -- information -------------------------------------------------------------------

    def help(self, to: str) -> None:
        self._tell(to, *texts.help_text(self.info))

    def _may_read_archive(self, address: str, *, index: bool = False) -> bool:
        """The archive access level; a private list's index is for its moderators only."""
        if not self.info.archive:
            return False
        roles = self.directory.member_roles(self.info.id, [address])
        if index and self.info.private:
            return "moderator" in roles
        if self.info.archive_access == "anyone":
            return True
        return "moderator" in roles if self.info.archive_access == "moderators" else bool(roles)

    def index(self, to: str) -> None:
        if not self._may_read_archive(to, index=True):
            self._refuse(to, "archive")
            return
        lines = [f"{number}\t{subject}\t<{sender}>" for number, sender, subject
                 in self.directory.archive_index(self.info.id, INDEX_LENGTH)]
        self._tell(to, texts.index_title(self.info), "\n".join(lines) or "-")

    def get(self, to: str, argument: str) -> None:
        if not self._may_read_archive(to):
            self._refuse(to, "archive")
            return
        found = self.directory.archived_post(self.info.id, int(argument)) \
            if argument.isdigit() and len(argument) < 10 else None
        if found is None:
            self._refuse(to, "no post")
            return
        self._tell(to, texts.post_title(self.info, int(argument)), "", attached=found)

    def to_owner(self) -> None:
        if not self.info.owner:
            log.info("%s: mail to -owner dropped: the list has no owner", self.info.address)
            return
        address = self.info.service_address("owner")
        route = Route(kind="forward", address=address, domain=self.info.domain,
                      forward_to=(self.info.owner,))
        outcome = self.router.route(self.message, self.sender, [(address, route)],
                                    origin="forward", domain=self.info.domain)
        log.info("%s: mail from <%s> to -owner: %s", self.info.address, self.sender,
                 outcome.refused or "forwarded")

    def change(self, who: str, target: str, *, leave: bool, digest: bool = False) -> None:
        """Subscribe or unsubscribe ``target`` as ``who`` asks.

        A remote administrator's request for somebody else (or on a private
        list) is confirmed by the administrator; anybody else's goes to the
        address itself, as ``subscribe`` and ``unsubscribe`` do.
        """
        if (target != who or self.info.private) and self.is_remote_admin(who):
            action = ("a" + ("d" if digest else "") + ("unsub" if leave else "sub"))
            self.ask_admin(who, action, target)
        elif leave:
            self.unsubscribe(target, digest=digest)
        else:
            self.subscribe(target, digest=digest)

    def request(self) -> None:
        command, argument = parse_request(self.message, self.facts)
        who = requester(self.sender, self.facts)
        target = argument if command in ("subscribe", "unsubscribe") and "@" in argument \
            else who
        if command in ("subscribe", "unsubscribe"):
            self.change(who, target, leave=command == "unsubscribe")
        elif command == "list":
            self.member_list(who, argument)
        elif command == "edit":
            self.edit(who, argument)
        elif command == "index":
            self.index(who)
        elif command == "get":
            self.get(who, argument)
        else:
            self.help(who)


def handle(router, info: ListInfo, service: str, argument: str, message: bytes, sender: str,
           facts: MessageFacts) -> None:
    """Carry out the command a message to ``team-<service>[-<argument>]@`` stands for."""
    commands = Commands(router, info, message, sender, facts)
    if service in ("confirm", "accept", "reject", "edit"):
        if facts.auto_submitted and facts.auto_submitted != "no":
            log.info("%s: automatic reply to -%s ignored", info.address, service)
        elif service == "confirm":
            commands.confirm(argument)
        elif service == "edit":
            commands.save_text(argument)
        else:
            commands.decide(argument, service == "accept")
        return
    if service == "owner":
        commands.to_owner()
        return
    if not post.may_answer(facts, sender):
        log.info("%s: -%s mail from <%s> ignored: bounce or automatic", info.address,
                 service, sender)
        return
    who = requester(sender, facts)
    if service in ("subscribe", "digest-subscribe", "unsubscribe", "digest-unsubscribe"):
        # team-subscribe-jane=example.org@: jane, as ezmlm has it; else the sender
        target = (cookies.decode_address(argument) if argument else None) or who
        commands.change(who, target, leave=service.endswith("unsubscribe"),
                        digest=service.startswith("digest"))
    elif service == "request":
        commands.request()
    elif service == "index":
        commands.index(who)
    elif service == "get":
        commands.get(who, argument)
    else:
        commands.help(who)
