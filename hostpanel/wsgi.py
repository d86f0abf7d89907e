import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostpanel.settings")
application = get_wsgi_application()

# gunicorn loads Django itself: in production, stop here when the configuration is unsafe.
# Status 3 is gunicorn's "worker failed to boot", on which the master stops too instead of
# starting the next worker.
from hostpanel.servers.checks import refuse_unsafe_start  # noqa: E402

refuse_unsafe_start("web", exit_code=3)
