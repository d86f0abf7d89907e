"""Domains created before DKIM keys were made with the domain get one now."""

from django.db import migrations
from django.utils import timezone


def add_missing_keys(apps, schema_editor):
    from mailcore.queue.dkim import generate_key

    Domain = apps.get_model("domains", "Domain")
    DkimKey = apps.get_model("outbound", "DkimKey")
    for domain in Domain.objects.filter(dkim_key__isnull=True):
        private_pem, public_b64 = generate_key()
        DkimKey.objects.create(domain=domain, selector=timezone.now().strftime("hp%Y%m"),
                               private_key=private_pem, public_key=public_b64)


class Migration(migrations.Migration):

    dependencies = [
        ("outbound", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_missing_keys, migrations.RunPython.noop),
    ]
