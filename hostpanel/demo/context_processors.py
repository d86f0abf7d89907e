"""What every page of the demo shows: the banner with the time to the next reset, and
on the sign-in page the demo's sign-ins. Nothing outside demo mode."""

from django.conf import settings
from django.utils import timezone

from hostpanel.demo import POSTMASTER_LOGIN, POSTMASTER_PASSWORD, USER_LOGIN, USER_PASSWORD
from hostpanel.demo.services import next_reset


def demo(request):
    if not settings.HOSTPANEL_DEMO:
        return {}
    now = timezone.now()
    at = next_reset(now)
    return {"demo": {
        "next_reset": at,
        "seconds_left": max(int((at - now).total_seconds()), 0),
        "minutes": settings.HOSTPANEL_DEMO_RESET_MINUTES,
        "postmaster": (POSTMASTER_LOGIN, POSTMASTER_PASSWORD),
        "user": (USER_LOGIN, USER_PASSWORD),
    }}
