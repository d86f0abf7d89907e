"""Which part of the list a message goes to, by the address it was sent to.

Called by the router (:mod:`mailcore.routing.executor`) for each list job of
a message's plan, in its worker thread: what is written here (archive, held
posts, spooled copies, notices) is durable before the client hears 250, and
an error propagates (the client tries again later).
"""

import logging
from collections.abc import Sequence

from mailcore.lists import bounces, commands, moderation, post
from mailcore.routing.facts import read_facts
from mailcore.routing.plan import ListJob

log = logging.getLogger("mailcore.lists")


def handle(router, message: bytes, sender: str, jobs: Sequence[ListJob]) -> None:
    if not jobs:
        return
    facts = read_facts(message)
    for job in jobs:
        info = router.directory.list_info(job.target.list_id)
        if info is None:  # deleted, or its domain disabled, since RCPT
            log.info("<%s>: no such list any more, message from <%s> dropped", job.address,
                     sender)
            continue
        service, argument = job.target.service, job.target.argument
        if not service:
            _post(router, info, message, sender, facts)
        elif service == "return":
            bounces.handle(router, info, argument, message)
        else:
            commands.handle(router, info, service, argument, message, sender, facts)


def _post(router, info, message, sender, facts) -> None:
    verdict = post.check(router, info, message, sender, facts)
    if verdict == post.SEND:
        post.distribute(router, info, message, sender, facts)
    elif verdict == post.HOLD:
        moderation.hold(router, info, message, sender)
    elif verdict != post.DROP:
        post.refuse(router, info, verdict, sender, facts)
