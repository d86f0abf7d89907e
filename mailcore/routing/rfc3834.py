"""When an automatic reply (vacation, autoresponder) may be sent: RFC 3834's rules.

Pure. A reply is never sent to:

- a null envelope sender (bounces, other automatic replies), or a sender whose
  local part says it is a program: ``MAILER-DAEMON``, ``postmaster``,
  ``*noreply*``/``do-not-reply``, list robots (``owner-*``, ``*-owner``,
  ``*-request``, ``*-bounces``, ``listserv``, ``majordomo``);
- a message with ``Auto-Submitted`` other than ``no``, ``Precedence: bulk``,
  ``list`` or ``junk``, any ``List-*`` header, or ``X-Auto-Response-Suppress``
  asking for no out-of-office or automatic replies;
- a message that does not name the responding address (or an address that led
  to it, such as a forward) in ``To`` or ``Cc``: Bcc copies and lists;
- a sender that is itself one of the responding addresses.

The once-per-period rule needs the database: the executor applies it
(:func:`mailcore.directory.claim_auto_reply`) after these rules.
"""

import re

from mailcore.routing.facts import MessageFacts

_ROBOT = re.compile(
    r"^(?:mailer-daemon|mailer|postmaster|listserv|majordomo|owner-.*|.*-owner"
    r"|.*-request|.*-bounces?(?:\+.*)?|bounces?(?:[+-].*)?"
    r"|.*no[-_.]?reply.*|.*do[-_.]?not[-_.]?reply.*)$"
)
_BULK = {"bulk", "list", "junk"}
_SUPPRESS = {"all", "oof", "autoreply"}


def is_robot(address: str) -> bool:
    """Whether the sender ``address`` is a mailer daemon, a list robot or a no-reply address."""
    local = address.rpartition("@")[0] if "@" in address else address
    return bool(_ROBOT.match(local.strip('"').lower()))


def refusal(facts: MessageFacts, sender: str, own_addresses) -> str | None:
    """Why no automatic reply may answer this message, or None when one may.

    ``sender`` is the envelope sender ('' for the null sender); ``own_addresses``
    the responding address and the addresses that led to it.
    """
    own = {address.lower() for address in own_addresses}
    if not sender or sender == "<>":
        return "null sender"
    if is_robot(sender):
        return "automated sender"
    if sender.lower() in own:
        return "sender is the responder"
    if facts.auto_submitted and facts.auto_submitted != "no":
        return f"Auto-Submitted: {facts.auto_submitted}"
    if facts.precedence in _BULK:
        return f"Precedence: {facts.precedence}"
    if facts.list_headers:
        return "mailing list"
    if facts.auto_response_suppress & _SUPPRESS:
        return "X-Auto-Response-Suppress"
    if not facts.recipients & own:
        return "not addressed in To or Cc"
    return None
