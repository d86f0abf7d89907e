"""The outbound queue: a durable spool of messages for remote recipients."""
