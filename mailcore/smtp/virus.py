"""The virus-scanning step of DATA, shared by the MX and submission listeners.

- No scanner configured: the message goes on with ``X-Virus-Scanned: no (...)``.
- Scanner unreachable, timing out or failing: ``451 4.7.1`` (never accepted unscanned).
- Infected: the message goes to the quarantine, the client gets ``554 5.7.1``
  naming the virus, and an authenticated sender also gets a notice mail.
- Clean: the message goes on with ``X-Virus-Scanned: clamd <version>``.
"""

import asyncio
import logging
from dataclasses import dataclass

from mailcore.filters import antivirus, quarantine
from mailcore.filters.notice import virus_notice
from mailcore.routing.facts import read_facts
from mailcore.smtp import counters, replies

log = logging.getLogger("mailcore.smtp")


@dataclass(frozen=True)
class Screened:
    header: bytes = b""  # X-Virus-Scanned line to add when the message goes on
    reply: str = ""  # the SMTP reply refusing it, '' when it goes on


def _printable(name: str) -> str:
    return "".join(ch for ch in name if ch.isascii() and ch.isprintable())[:120] or "unknown"


async def screen(handler, session, envelope, message: bytes, *, transaction_id: str,
                 client_ip: str, account=None, domain: str | None = None,
                 log_fields: dict | None = None) -> Screened:
    """Scan ``message`` (with our Received header) and decide; see the module's rules.

    A refusal is logged here as the transaction's one line, with ``log_fields``
    (:func:`mailcore.smtp.handler.transaction_fields`) and its outcome.
    """
    fields = log_fields or {}
    config = handler.config
    if not config.clamd:
        return Screened(header=antivirus.scanned_header(None))
    verdict = await antivirus.scan(message, config.clamd, config.clamd_timeout)
    if verdict.clean:
        return Screened(header=antivirus.scanned_header(verdict))
    if not verdict.infected:
        log.warning("%s from=<%s>: not accepted, virus scanner unavailable: %s",
                    transaction_id, envelope.mail_from, verdict.reason,
                    extra={**fields, "outcome": "deferred", "reply": replies.SCANNER_UNAVAILABLE,
                           "detail": f"virus scanner unavailable: {verdict.reason}"})
        return Screened(reply=replies.SCANNER_UNAVAILABLE)
    virus = _printable(verdict.virus)
    infected = quarantine.Infected(
        sender=envelope.mail_from or "", recipients=tuple(envelope.rcpt_tos), virus=virus,
        client_ip=client_ip,
        domains=quarantine.domains_involved(envelope.routes, domain))
    try:
        entry = await asyncio.to_thread(quarantine.store, config.quarantine, message, infected,
                                        handler.directory)
    except Exception:
        log.exception("%s: quarantine failed", transaction_id,
                      extra={**fields, "outcome": "deferred", "reply": replies.TEMPORARY_FAILURE,
                             "detail": "quarantine failed", "virus": virus})
        return Screened(reply=replies.TEMPORARY_FAILURE)
    reply = replies.VIRUS_FOUND.format(virus=virus)
    log.warning("%s from=<%s> to=%s peer=%s: virus %s, quarantined as %s", transaction_id,
                envelope.mail_from, ",".join(f"<{r}>" for r in envelope.rcpt_tos), client_ip,
                virus, entry,
                extra={**fields, "outcome": "rejected", "reply": reply, "virus": virus,
                       "quarantine": entry, "detail": f"quarantined as {entry}"})
    await asyncio.to_thread(counters.record, handler.directory, {
        name: {"viruses": 1} for name in counters.recipient_domains(envelope.routes)})
    if account is not None:
        await asyncio.to_thread(_notify_sender, handler, account.address, message, infected)
    return Screened(reply=reply)


def _notify_sender(handler, address: str, message: bytes, infected) -> None:
    """Deliver the notice to the authenticated account; a failure is only logged."""
    try:
        route = handler.directory.find_route(address)
        if route is None:
            return
        # A sender of a reseller's domain reads the reseller's mail host, not ours.
        brand = handler.directory.brand_for_domain(address.rpartition("@")[2])
        notice = virus_notice(
            hostname=brand.smtp_host if brand is not None else handler.config.hostname,
            recipient=address, virus=infected.virus,
            subject=read_facts(message).subject, recipients=list(infected.recipients),
            language=handler.directory.mail_language(address))
        outcome = handler.router.route(notice, "", [(address, route)], origin="autoreply",
                                       domain=address.rpartition("@")[2])
        log.info("virus notice to <%s>: %s", address, outcome.refused or "sent")
    except Exception:
        log.exception("virus notice to <%s> failed", address)
