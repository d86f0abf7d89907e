"""SMTP replies hostpanel sends, with RFC 3463 enhanced status codes.

Protocol text stays in English: it is read by programs and by postmasters
reading bounces, never translated.
"""

SENDER_OK = "250 2.1.0 Sender OK"
RECIPIENT_OK = "250 2.1.5 Recipient OK"
DELIVERED = "250 2.0.0 OK: delivered as {id}"

RELAYING_DENIED = "550 5.7.1 Relaying denied"
UNKNOWN_USER = "550 5.1.1 No such user here"
BAD_ADDRESS = "501 5.1.3 Bad recipient address syntax"
BAD_SENDER = "501 5.1.7 Bad sender address syntax"
MAILBOX_FULL = "552 5.2.2 Mailbox full"
TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"
MESSAGE_TOO_BIG = "552 5.3.4 Message size exceeds fixed maximum message size"
NON_ASCII_NEEDS_SMTPUTF8 = "553 5.6.7 Non-ASCII address requires SMTPUTF8"
AUTH_REQUIRED = "530 5.7.0 Authentication required"
ROUTING_LOOP = "554 5.4.6 Routing loop detected"
TOO_MANY_HOPS = "554 5.4.6 Too many hops (mail loop?)"
SENDER_NOT_OWNED = "553 5.7.1 Sender address not owned by the authenticated account"
NULL_SENDER_REFUSED = "553 5.7.1 A null sender is not accepted for submission"
FROM_NOT_OWNED = "553 5.7.1 From header address not owned by the authenticated account"
VIRUS_FOUND = "554 5.7.1 Message rejected: virus found ({virus})"
ADDRESS_LITERAL_REFUSED = "550 5.1.2 Address literals are not accepted here"

AUTH_OK = "235 2.7.0 Authentication successful"
AUTH_INVALID = "535 5.7.8 Authentication credentials invalid"
AUTH_THROTTLED = "454 4.7.0 Too many failed logins, try again later"
AUTH_MALFORMED = "501 5.5.2 Cannot decode the authentication data"

TEMPORARY_FAILURE = "451 4.3.0 Temporary server error, please try again later"
DEMO_RATE_LIMITED = "451 4.7.1 Too many messages from your address in the demo, try again later"
SCANNER_UNAVAILABLE = "451 4.7.1 Virus scanner unavailable, try again later"
LOOKUP_FAILURE = "451 4.3.0 Temporary lookup failure, please try again later"

# aiosmtpd's own replies, as its protocol engine words them, and what we send instead.
ENGINE_REPLIES = {
    "552 Error: message size exceeds fixed maximum message size": MESSAGE_TOO_BIG,
    "552 Error: Too much mail data": MESSAGE_TOO_BIG,
    "500 Line too long (see RFC5321 4.5.3.1.6)": "500 5.5.2 Line too long (RFC 5321 4.5.3.1.6)",
    "503 Error: send HELO first": "503 5.5.1 Error: send HELO first",
    "503 Error: send EHLO first": "503 5.5.1 Error: send EHLO first",
    "503 Error: need MAIL command": "503 5.5.1 Error: need MAIL command",
    "503 Error: need RCPT command": "503 5.5.1 Error: need RCPT command",
    "503 Error: nested MAIL command": "503 5.5.1 Error: nested MAIL command",
    "501 Error: SMTPUTF8 takes no arguments": "501 5.5.4 Error: SMTPUTF8 takes no arguments",
    "501 Error: BODY can only be one of 7BIT, 8BITMIME":
        "501 5.5.4 Error: BODY can only be one of 7BIT, 8BITMIME",
    "538 5.7.11 Encryption required for requested authentication mechanism":
        "530 5.7.0 Must issue a STARTTLS command first",
    "503 Already authenticated": "503 5.5.1 Already authenticated",
    "501 Not enough value": "501 5.5.4 Syntax: AUTH mechanism [initial-response]",
    "501 Too many values": "501 5.5.4 Syntax: AUTH mechanism [initial-response]",
    "250 OK": "250 2.0.0 OK",
    "221 Bye": "221 2.0.0 Bye",
}
