"""TLS contexts for the mail servers, from the configured certificate."""

import ssl


def server_context(cert_file: str, key_file: str) -> ssl.SSLContext | None:
    """A server context for STARTTLS/STLS, or None when no certificate is configured."""
    if not cert_file:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file or None)
    return context
