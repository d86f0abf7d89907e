"""Posts held for the moderators, and their decisions by mail.

A held post is a file and a PendingPost row (its token). Each moderator (the
list owner when there is none) gets it attached, with an accept address
``team-accept-<cookie>@`` (also the Reply-To: replying accepts) and a reject
address ``team-reject-<cookie>@``. The cookie is signed and names the held
post; the first decision takes the post, later ones find nothing. Posts
nobody decides on are dropped by the beat task ``expire_pending``.
"""

import logging

from mailcore.directory import ListInfo
from mailcore.lists import cookies, headers, mailer, post, texts
from mailcore.routing.facts import read_facts

log = logging.getLogger("mailcore.lists")


def moderators(router, info: ListInfo) -> tuple[str, ...]:
    found = router.directory.list_members(info.id, "moderator")
    return found or ((info.owner,) if info.owner else ())


def hold(router, info: ListInfo, message: bytes, sender: str) -> str:
    """Keep the post and ask the moderators; the held post's token."""
    days = router.directory.list_periods().moderation_days
    title = headers.subject_of(message)
    token = router.directory.hold_post(info.id, message, sender=sender, subject=title,
                                       days=days)
    cookie = cookies.make(router.config.secret, info.id, "post", token, valid_days=days)
    accept = info.service_address("accept", cookie)
    reject = info.service_address("reject", cookie)
    subject, text = texts.post_moderation(info, sender, title, accept, reject, days)
    asked = moderators(router, info)
    for moderator in asked:
        mailer.send(router, info, mailer.notice(info, moderator, subject, text,
                                                reply_to=accept, attached=message), moderator)
    log.info("%s: post from <%s> held for %d moderators", info.address, sender, len(asked))
    return token


def decide_post(router, info: ListInfo, token: str, accepted: bool) -> bool:
    """Send or reject the held post ``token``; False when it is gone (decided, expired)."""
    held = router.directory.take_pending(info.id, token)
    if held is None:
        log.info("%s: no held post %s (already decided or expired)", info.address, token)
        return False
    facts = read_facts(held.message)
    if accepted:
        number = post.distribute(router, info, held.message, held.sender, facts)
        log.info("%s: held post from <%s> accepted as %d", info.address, held.sender, number)
    else:
        post.refuse(router, info, "rejected", held.sender, facts)
    return True


def ask_subscription(router, info: ListInfo, action: str, address: str) -> None:
    """Ask the moderators to approve ``address`` (``msub``: the list, ``mdsub``: the digest)."""
    days = router.directory.list_periods().confirm_days
    cookie = cookies.make(router.config.secret, info.id, action, address, valid_days=days)
    accept = info.service_address("accept", cookie)
    reject = info.service_address("reject", cookie)
    subject, text = texts.subscription_moderation(info, action, address, accept, reject)
    if not router.directory.claim_list_notice(info.id, f"moderators:{address}"):
        log.warning("%s: subscription of <%s> not sent to moderators: hourly limit",
                    info.address, address)
        return
    for moderator in moderators(router, info):
        mailer.send(router, info, mailer.notice(info, moderator, subject, text,
                                                reply_to=accept), moderator)
