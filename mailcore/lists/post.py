"""A post to the list's address: who may post, and the copies the subscribers get.

The poster is the envelope sender or the ``From`` address (either one being a
member counts, as people post from several clients). Members of any role may
post where subscribers may; only moderators where moderators may:

=====================  ==============  =====================
posting                member          others
=====================  ==============  =====================
anyone                 sent            sent
subscribers            sent            refused (a notice)
subscribers_moderated  sent            held for moderators
moderators             moderators      refused (a notice)
moderated              held            held
=====================  ==============  =====================

A post that carries the list's own ``List-Id`` came back (a subscriber's
forward): it is dropped. One carrying ``Delivered-To: <list>`` never gets
here: routing stops it as a loop.

A post that goes out is numbered (and archived when the list keeps an
archive), then sent: remote subscribers through the outbound queue as one
message of origin ``list``, whose envelope sender ``team-return-<n>-@domain``
the queue turns into ``team-return-<n>-<user>=<host>@domain`` for each
recipient (VERP: a bounce names the address that failed); hosted
subscribers through the router at once, like any local delivery.
"""

import logging
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32

import dns.exception

from mailcore.directory import ListInfo
from mailcore.filters.spam import authres
from mailcore.lists import headers, mailer, texts
from mailcore.routing import rfc3834
from mailcore.routing.facts import MessageFacts, header_block

log = logging.getLogger("mailcore.lists")

SEND = "send"
HOLD = "hold"
DROP = "drop"
STRICT_DMARC = frozenset({"reject", "quarantine"})


def verdict(posting: str, roles: frozenset[str]) -> str:
    """SEND, HOLD, or the refusal reason ("subscribers", "moderators") for a poster's roles."""
    if posting == "anyone":
        return SEND
    if posting == "subscribers":
        return SEND if roles else "subscribers"
    if posting == "subscribers_moderated":
        return SEND if roles else HOLD
    if posting == "moderators":
        return SEND if "moderator" in roles else "moderators"
    return HOLD


def has_list_id(message: bytes, info: ListInfo) -> bool:
    header = BytesHeaderParser(policy=compat32).parsebytes(header_block(message))
    ours = f"<{mailer.list_id(info)}>"
    return any(ours in str(value).lower() for value in header.get_all("List-Id", []))


def check(router, info: ListInfo, message: bytes, sender: str, facts: MessageFacts) -> str:
    """What to do with a post: SEND, HOLD, DROP or a refusal reason for :func:`refuse`."""
    if has_list_id(message, info):
        log.info("%s: post from <%s> dropped: it carries the list's own List-Id",
                 info.address, sender)
        return DROP
    if info.max_message_kb and len(message) > info.max_message_kb * 1024:
        return "size"
    roles = router.directory.member_roles(info.id, [sender, *facts.senders])
    return verdict(info.posting, roles)


def may_answer(facts: MessageFacts, sender: str) -> bool:
    """Whether the sender of this message may get a notice: not bounces, robots, lists."""
    if not sender or rfc3834.is_robot(sender):
        return False
    if facts.auto_submitted and facts.auto_submitted != "no":
        return False
    return facts.precedence not in ("bulk", "junk", "list")


def refuse(router, info: ListInfo, reason: str, sender: str, facts: MessageFacts) -> None:
    """Tell the sender why the post was not sent (never a null sender or a robot)."""
    log.info("%s: post from <%s> refused: %s", info.address, sender, reason)
    if not may_answer(facts, sender):
        return
    subject, text = texts.refusal(info, reason, sender)
    mailer.send(router, info, mailer.notice(info, sender, subject, text, answering=facts),
                sender, limited=True)


def dmarc_is_strict(domain: str, config) -> bool:
    """Whether ``domain``'s DMARC policy (or its organisation's) is reject or quarantine."""
    try:
        policy = authres.dmarc_policy(domain, dns_server=config.dns,
                                      timeout=float(config.spam_dns_timeout))
    except dns.exception.DNSException:
        return False
    return policy in STRICT_DMARC


def _decoded(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeError):
        return value


def _edits(info: ListInfo, message: bytes, facts: MessageFacts, config) -> headers.Edits:
    header = BytesHeaderParser(policy=compat32).parsebytes(header_block(message))
    subject = headers.prefixed(headers.subject_of(message), info.prefix)
    reply_to = None
    if info.reply_to == "list":
        reply_to = f"<{info.address}>"
    elif info.reply_to == "address" and info.reply_to_address:
        reply_to = f"<{info.reply_to_address}>"
    from_ = None
    author = facts.senders[0] if facts.senders else ""
    author_domain = author.rpartition("@")[2]
    if author_domain and authres.organisational_domain(author_domain) != \
            authres.organisational_domain(info.domain) and dmarc_is_strict(author_domain,
                                                                            config):
        original = " ".join(str(header.get("From", author)).split())
        from_ = headers.rewrite_from(_decoded(original), info.local_part, info.address)
        if reply_to is None and header.get("Reply-To") is None:
            reply_to = original
    return headers.Edits(
        fields=(("List-Id", f"<{mailer.list_id(info)}>"),
                ("List-Post", f"<mailto:{info.address}>"),
                ("List-Help", f"<mailto:{info.service_address('help')}>"),
                ("List-Subscribe", f"<mailto:{info.service_address('subscribe')}>"),
                ("List-Unsubscribe", f"<mailto:{info.service_address('unsubscribe')}>"),
                ("Precedence", "list")),
        subject=headers.encode(subject) if subject is not None else None,
        from_=from_, reply_to=reply_to, trailer=info.trailer)


def subscriber_copy(info: ListInfo, message: bytes, facts: MessageFacts, config) -> bytes:
    return headers.build(message, _edits(info, message, facts, config))


def return_address(info: ListInfo, number: int) -> str:
    """The envelope sender of post ``number``; the queue adds each recipient (VERP)."""
    return info.service_address("return", f"{number}-")


def distribute(router, info: ListInfo, message: bytes, sender: str,
               facts: MessageFacts) -> int:
    """Number (and archive) the post, and send it to every subscriber; its number."""
    directory = router.directory
    copy = subscriber_copy(info, message, facts, router.config)
    number = directory.number_post(info.id, copy, sender=sender,
                                   subject=headers.subject_of(message))
    data = f"Delivered-To: {info.address}\r\n".encode() + copy
    remote, hosted = send_to(router, info, data, number, directory.list_members(info.id))
    log.info("%s: post %d from <%s> sent to %d remote and %d hosted subscribers",
             info.address, number, sender, remote, hosted)
    return number


def send_to(router, info: ListInfo, data: bytes, number: int, addresses) -> tuple[int, int]:
    """Send ``data`` with the bounce address of ``number``: (remote, hosted) recipients.

    Remote addresses: one message of origin ``list`` in the outbound queue (VERP
    per recipient). Hosted ones: through the router now.
    """
    directory = router.directory
    envelope = return_address(info, number)
    local, remote = [], []
    hosted: dict[str, bool] = {}
    for address in addresses:
        domain = address.rpartition("@")[2]
        if domain not in hosted:
            hosted[domain] = directory.is_local_domain(domain)
        (local if hosted[domain] else remote).append(address)
    if remote:
        router.enqueue(router.config.spool, data, envelope, remote, origin="list",
                       domain=info.domain)
    routes = [(address, route) for address in local
              if (route := directory.find_route(address)) is not None]
    if routes:
        outcome = router.route(data, envelope, routes, origin="list", domain=info.domain)
        if outcome.refused:
            log.warning("%s: message %d not delivered to hosted members: %s", info.address,
                        number, outcome.refused)
    return len(remote), len(routes)
