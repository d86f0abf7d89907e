"""Delivery targets: where an accepted message is made durable.

:mod:`.local` stores into local Maildirs; the outbound spool (forwards, remote
recipients) will be a second target beside it.
"""
