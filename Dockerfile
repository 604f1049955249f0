# syntax=docker/dockerfile:1
# Production image of the PRM portal: gunicorn (sync workers) serving prm.wsgi with whitenoise for static
# files. The same image runs the Celery worker and beat (see docker-compose.yml).
#
#   docker build -t prm-portal .
#   docker run -p 8000:8000 -e SECRET_KEY=... -e ALLOWED_HOSTS=... -e DATABASE_URL=... prm-portal

# --- Front-end libraries (bootstrap, bootstrap-icons) from npm, exactly as package-lock.json pins them ----
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error


# --- The application -----------------------------------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=prm.settings.production

WORKDIR /app

# Dependencies first, so this layer is rebuilt only when pyproject.toml changes. The project declares
# `packages = []`: installing it pulls the pinned dependencies and nothing else.
COPY pyproject.toml ./
RUN pip install --no-cache-dir . \
    && rm -rf build ./*.egg-info

# The source. Listed explicitly (there is no .dockerignore) so a local .env, .venv, db.sqlite3 or media
# never end up in the image. Add new top-level apps here.
COPY manage.py ./
COPY prm ./prm
COPY partners ./partners
COPY onboarding ./onboarding
COPY deals ./deals
COPY performance ./performance
COPY incentives ./incentives
COPY templates ./templates
COPY static ./static
# STATICFILES_DIRS reads the libraries from node_modules/ (kept in the image so `check` finds the dirs).
COPY --from=assets /build/node_modules ./node_modules

# Production settings require SECRET_KEY and ALLOWED_HOSTS; collectstatic needs neither for real, so it
# gets throwaway build-time values. They are not part of the image's runtime environment.
ARG SECRET_KEY=collectstatic-only-build-time-value-not-a-secret
ARG ALLOWED_HOSTS=localhost
RUN SECRET_KEY="$SECRET_KEY" ALLOWED_HOSTS="$ALLOWED_HOSTS" python manage.py collectstatic --noinput

# Run as a non-root user. It owns var/ only: uploaded media (MEDIA_ROOT=/app/var/media, mount a volume
# there) and Celery beat's schedule file.
RUN groupadd --system --gid 10001 prm \
    && useradd --system --uid 10001 --gid prm --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin prm \
    && mkdir -p /app/var/media \
    && chown -R prm:prm /app/var
USER prm

EXPOSE 8000

# Sync workers, 2 × cores by default (measured: sync ≥ gthread on this workload); WEB_CONCURRENCY overrides.
# The heartbeat files go to /dev/shm (memory), as gunicorn recommends in containers.
CMD ["sh", "-c", "exec gunicorn prm.wsgi:application --bind 0.0.0.0:8000 --worker-class sync --workers \"${WEB_CONCURRENCY:-$((2 * $(nproc)))}\" --worker-tmp-dir /dev/shm --access-logfile -"]
