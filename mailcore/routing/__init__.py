"""Where an accepted message goes: forwards, account routing, vacation, autoresponders.

- :mod:`.facts`: what routing needs to know of a message's header (pure);
- :mod:`.rfc3834`: when an automatic reply may be sent (pure);
- :mod:`.plan`: the delivery plan for a message and its recipients' routes
  (pure but for the directory look-ups of forward targets);
- :mod:`.reply`: the text of an automatic reply;
- :mod:`.executor`: carrying a plan out (Maildir deliveries, the outbound
  spool, replies), in a worker thread.
"""
