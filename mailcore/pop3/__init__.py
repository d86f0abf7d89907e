"""POP3 for mail clients (RFC 1939, 2449, 2595, 5034).

- :mod:`.session`: the protocol engine, a state machine that takes command lines
  and returns replies, with no I/O of its own;
- :mod:`.maildrop`: a locked snapshot of one Maildir (disk work, run in threads);
- :mod:`.wire`: stored messages as POP3 sends them (CRLF, dot-stuffing, TOP);
- :mod:`.server`: the asyncio server around them (lines, timeouts, pipelining, STLS).
"""
