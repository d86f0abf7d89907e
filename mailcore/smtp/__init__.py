"""The SMTP side: aiosmtpd's protocol engine with hostpanel's policy.

- :mod:`.protocol`: the engine (aiosmtpd's ``SMTP``) with our session and envelope types;
- :mod:`.handler`: the policy hooks of the MX listener, and what both listeners share;
- :mod:`.submission`: the policy hooks of the submission listeners (AUTH, senders);
- :mod:`.recipients`: what a recipient address resolves to (worker-thread code);
- :mod:`.received`: the ``Received:`` trace header;
- :mod:`.server`: building and starting the listeners on one event loop.
"""
