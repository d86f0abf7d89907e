"""The one place where the mail servers read Django's models.

Everything here is synchronous ORM work: servers call it from a worker thread
(``asyncio.to_thread``), never from the event loop, and get plain frozen data
back, never model instances or QuerySets. The package's modules group it by
subject; callers import the names from here.
"""

from django.utils.translation import gettext  # for mail the servers write
from django.utils.translation import override as translation_override

from mailcore.directory._base import (
    Mailbox,
    ServerConfig,
    server_config,
)
from mailcore.directory.accounts import (
    Credentials,
    check_password,
    dummy_password_hash,
    find_credentials,
    find_mailbox,
    is_local_domain,
)
from mailcore.directory.outbound import (
    DkimSigningKey,
    QueuedMessage,
    QueuedRecipient,
    claim_outbound,
    dkim_signing_key,
    finish_outbound,
    load_outbound,
    outbound_finished,
    overdue_outbound,
    record_outbound,
    record_outcomes,
    retry_outbound,
)
from mailcore.directory.quarantine import record_quarantine
from mailcore.directory.routes import (
    AutoresponderInfo,
    Route,
    Vacation,
    claim_auto_reply,
    find_route,
    mail_language,
    postmaster_address,
    sender_addresses,
    today,
)
from mailcore.directory.spam import SpamPolicy, record_caught_spam, spam_policies

__all__ = [
    "AutoresponderInfo",
    "Credentials",
    "DkimSigningKey",
    "Mailbox",
    "QueuedMessage",
    "QueuedRecipient",
    "Route",
    "SpamPolicy",
    "ServerConfig",
    "Vacation",
    "check_password",
    "claim_auto_reply",
    "claim_outbound",
    "dkim_signing_key",
    "dummy_password_hash",
    "find_credentials",
    "find_mailbox",
    "find_route",
    "finish_outbound",
    "gettext",
    "is_local_domain",
    "load_outbound",
    "mail_language",
    "outbound_finished",
    "overdue_outbound",
    "postmaster_address",
    "record_outbound",
    "record_caught_spam",
    "record_outcomes",
    "record_quarantine",
    "retry_outbound",
    "sender_addresses",
    "server_config",
    "spam_policies",
    "today",
    "translation_override",
]
