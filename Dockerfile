# One image for every hostpanel process: web, smtpd, pop3d, Celery worker and beat.
# docker-compose.yml picks the process with `command:`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=hostpanel.settings \
    HOSTPANEL_HOME=/var/lib/hostpanel

WORKDIR /app

# The public suffix list: DMARC's organisational domains (mailcore/filters/spam/authres.py).
RUN apt-get update && apt-get install -y --no-install-recommends publicsuffix \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY hostpanel ./hostpanel
COPY mailcore ./mailcore
RUN pip install .

# The project tree (templates, static files, locale) is run from /app: PYTHONPATH
# puts it before the installed copy, so paths relative to the code find them.
COPY manage.py ./
COPY templates ./templates
COPY static ./static
COPY locale ./locale

# Static files, collected into the image with the production settings: compressed, with
# hashed names and the manifest that whitenoise serves them from.
RUN HOSTPANEL_PRODUCTION=true python manage.py collectstatic --noinput --verbosity 0

RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/hostpanel hostpanel \
    && mkdir -p /var/lib/hostpanel/mail /var/lib/hostpanel/spool /var/lib/hostpanel/beat \
                /var/lib/hostpanel/quarantine /var/lib/hostpanel/broker /var/lib/hostpanel/spam \
                /var/lib/hostpanel/lists \
    && chown -R hostpanel:hostpanel /var/lib/hostpanel

USER hostpanel
EXPOSE 8000 25 587 465 110 995

# Production settings (README, "Deployment"); every process refuses to start when unsafe.
ENV HOSTPANEL_PRODUCTION=true
CMD ["python", "manage.py", "web", "--bind", "0.0.0.0:8000"]
