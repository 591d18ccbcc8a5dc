# syntax=docker/dockerfile:1
# Oversight's one image: gunicorn serves Django (static files through whitenoise), and the same
# image runs the Celery workers (the calculation's queue, the default one) and beat with another
# command each (see docker-compose.yml).

# --- Stage 1: the NHS.UK frontend, copied into static/vendor/ by scripts/build-static.mjs -------
FROM node:20-slim AS frontend
WORKDIR /build
COPY package.json package-lock.json ./
# Only the runtime packages: the dev dependencies are for the browser tests.
RUN npm ci --omit=dev --no-audit --no-fund
COPY scripts/build-static.mjs scripts/
RUN npm run build

# --- Stage 2: the application ------------------------------------------------------------------
FROM python:3.11-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# The pinned dependencies first, read from pyproject.toml alone, so that a change to the code
# reuses this layer instead of reinstalling them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
COPY --from=frontend /build/static/vendor static/vendor

# Editable, so the installed package *is* /app: Django finds templates beside the code, and
# gunicorn and celery import one copy of each app whatever their working directory.
# collectstatic runs as production does (DEBUG=false: hashed, compressed files and a manifest);
# its SECRET_KEY and DATABASE_URL only satisfy the settings (required in production): the key
# never signs anything and the database is never opened.
RUN pip install --no-deps -e . \
    && DEBUG=false SECRET_KEY=collectstatic-only-never-used-for-signing \
        DATABASE_URL=sqlite:////tmp/collectstatic-only.sqlite3 \
        python manage.py collectstatic --noinput -v0 \
    && groupadd --system --gid 10001 oversight \
    && useradd --system --uid 10001 --gid oversight --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin oversight \
    && install -d -o oversight -g oversight /var/lib/oversight/media

# The code stays root's and read-only to the process; uploads go to the media volume, which
# takes this directory's owner when Docker first creates it.
USER oversight
ENV MEDIA_ROOT=/var/lib/oversight/media
EXPOSE 8000
CMD ["gunicorn", "oversight.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
