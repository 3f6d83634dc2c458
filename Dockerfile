# One image for web, worker and beat (the command differs per compose service).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=eservice.settings.production \
    VAR_DIR=/app/var

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The runtime lock (exact versions, hashes checked); `make lock` refreshes it.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY . .
# var/media is where compose mounts the uploads volume: it must exist in the image, owned by the user, or
# Docker creates the mount point as root and the service cannot write uploads.
RUN useradd --system --uid 1000 --home /app eservice \
 && mkdir -p /app/var/media \
 && SECRET_KEY=build-only-$(python -c 'import secrets;print(secrets.token_hex(32))') \
    JWT_PRIVATE_KEY=build-only ALLOWED_HOSTS=build \
    sh -c 'python manage.py compilemessages --verbosity 0 && python manage.py collectstatic --noinput --verbosity 0' \
 && chown -R eservice /app/var

USER eservice
EXPOSE 8000
CMD ["gunicorn", "eservice.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
