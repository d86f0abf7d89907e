from datetime import timedelta

from django.utils import timezone

from hostpanel.routing import services
from hostpanel.routing.models import AutoReplySent


def test_the_purge_forgets_only_replies_older_than_the_longest_interval(db, settings):
    settings.HOSTPANEL_VACATION_INTERVAL_DAYS = 1
    settings.HOSTPANEL_AUTORESPONDER_INTERVAL_HOURS = 1
    now = timezone.now()
    AutoReplySent.objects.create(responder="jane@example.com", sender="old@remote.test",
                                 sent_at=now - timedelta(days=1, minutes=1))
    AutoReplySent.objects.create(responder="jane@example.com", sender="recent@remote.test",
                                 sent_at=now - timedelta(hours=23))

    assert services.purge_auto_reply_log(now=now) == 1
    assert list(AutoReplySent.objects.values_list("sender", flat=True)) == ["recent@remote.test"]
