"""Mailing lists by mail: posts, commands, confirmations, moderation (ezmlm-idx's behaviour).

- :mod:`.cookies`: HMAC-signed confirmation and moderation cookies (pure);
- :mod:`.headers`: the copy subscribers get: list headers, prefix, reply-to, trailer (pure);
- :mod:`.texts`: what the list writes, in its language;
- :mod:`.mailer`: sending what the list writes, through the router;
- :mod:`.post`: posting modes, archive and fan-out through the outbound queue;
- :mod:`.moderation`: held posts, accepted or rejected by mail;
- :mod:`.commands`: subscribe, unsubscribe, help, index, get, owner, confirmations;
- :mod:`.dispatch`: which of these a message to a list address goes to.

Everything runs in the router's worker thread, before the client hears 250.
"""
