"""The spam step of DATA, after the virus scan, shared by the MX and submission listeners.

Each hosted recipient's policy decides its verdict
(:mod:`mailcore.filters.spam.engine`). Recipients whose verdicts read the
same share one copy with the same headers (a *batch*, routed as usual). A
recipient's spam goes to its domain's spam account instead, one copy per
original recipient with ``X-Original-To``, recorded so that 'not spam' can
deliver it later; those copies are on disk before the client hears 250.
Remote recipients (submission) are not scored here.

If scoring itself fails (a bug, the database), the message is delivered with
``X-Spam-Status: Unknown``: a broken filter must not hold mail back.
"""

import asyncio
import logging
from dataclasses import dataclass

from mailcore.directory import Route
from mailcore.filters.spam import engine
from mailcore.maildir import Maildir, to_lf
from mailcore.routing.executor import delivered_to

log = logging.getLogger("mailcore.smtp")

UNKNOWN = b"X-Spam-Status: Unknown, not checked\r\n"


@dataclass(frozen=True)
class Batch:
    header: bytes  # lines to put on top of these recipients' copy
    routes: list[tuple[str, Route | None]]


@dataclass(frozen=True)
class Filtered:
    batches: list[Batch]
    caught: tuple[str, ...] = ()  # recipients whose copy went to the spam account
    score: float | None = None  # the highest score of a filtered recipient, None: not scored


def _context(handler, session, envelope, client_ip: str, authenticated: str) -> engine.Context:
    config = handler.config
    return engine.Context(
        client_ip=client_ip, helo=session.host_name or "", mail_from=envelope.mail_from or "",
        hostname=config.hostname, authenticated=authenticated, dns_server=config.dns,
        dns_timeout=float(config.spam_dns_timeout), received=(config.hostname,))


async def screen(handler, session, envelope, received: bytes, body: bytes, *,
                 transaction_id: str, client_ip: str, authenticated: str = "") -> Filtered:
    """Score ``received + body`` per recipient; deliver caught spam; return what is left.

    A batch's header goes between our ``received`` header and the ``body``.
    """
    message = received + body
    routes = list(envelope.routes)
    try:
        policies = await asyncio.to_thread(handler.directory.spam_policies, routes)
        verdicts = {}
        if any(entry.policy.enabled for entry in policies.values()):
            analysis = await engine.analyse(
                message, _context(handler, session, envelope, client_ip, authenticated),
                [entry.policy for entry in policies.values()], handler.spam_models,
                allow_private=True)
            verdicts = {address: (engine.decide(analysis, entry.policy), analysis)
                        for address, entry in policies.items()}
    except Exception:
        log.exception("%s: spam scoring failed, delivered unscored", transaction_id)
        return Filtered([Batch(UNKNOWN, routes)])

    batches: dict[bytes, list] = {}
    caught = {}
    for address, route in routes:
        entry = policies.get(address)
        if entry is None:
            batches.setdefault(b"", []).append((address, route))
            continue
        if address not in verdicts:  # filtering off for everyone: no analysis was made
            verdicts[address] = (engine.Verdict(0.0, entry.policy.threshold, False, (),
                                                filtered=False), None)
        verdict, analysis = verdicts[address]
        header = engine.headers(verdict, analysis) if analysis else \
            b"X-Spam-Status: No, filtering off\r\n"
        if verdict.is_spam and entry.spam_box is not None:
            caught.setdefault(address, (entry.spam_box, header, verdict, analysis))
        else:
            batches.setdefault(header, []).append((address, route))
    if caught:
        await asyncio.to_thread(_hold, handler, received, body, envelope.mail_from or "",
                                caught)
        for address, (_box, _header, verdict, _analysis) in caught.items():
            log.info("%s from=<%s> to=<%s>: spam (score %.1f, %s), held in the spam account",
                     transaction_id, envelope.mail_from, address, verdict.score,
                     ",".join(verdict.rules),
                     extra={"event": "smtp.spam_held", "transaction": transaction_id,
                            "from": envelope.mail_from, "recipient": address,
                            "spam_score": verdict.score, "rules": verdict.rules})
    scores = [verdict.score for verdict, _analysis in verdicts.values() if verdict.filtered]
    return Filtered([Batch(header, group) for header, group in batches.items()],
                    tuple(caught), max(scores) if scores else None)


def _hold(handler, received: bytes, body: bytes, sender: str, caught: dict) -> None:
    """Store each caught copy in its domain's spam account (fsynced) and record it."""
    for address, (box, header, verdict, analysis) in caught.items():
        data = to_lf(delivered_to([box.address]) + f"X-Original-To: {address}\r\n".encode()
                     + received + header + body)
        stored = Maildir(box.maildir).deliver(data)
        handler.directory.record_caught_spam(
            domain=box.domain, recipient=address, sender=sender,
            subject=analysis.parsed.subject, score=verdict.score, rules=verdict.rules,
            filename=stored.uid, size=stored.size)
