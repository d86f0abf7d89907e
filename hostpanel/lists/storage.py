"""Where a list's files live: HOSTPANEL_LISTS/<domain>/<list>/{archive,pending}/."""

import shutil
from pathlib import Path

from django.conf import settings

from hostpanel.lists.models import MailingList


def list_folder(mailing_list: MailingList) -> Path:
    return Path(settings.HOSTPANEL_LISTS) / mailing_list.domain.name / mailing_list.local_part


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
