def virus_scanning(request) -> dict:
    """``virus_scanner_missing``: no clamd configured, mail is accepted unscanned (red banner)."""
    from django.conf import settings

    return {"virus_scanner_missing": not settings.HOSTPANEL_CLAMD}
