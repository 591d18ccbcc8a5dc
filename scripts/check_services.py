"""Fail fast, in plain words, when a service `make test` needs is not reachable."""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

import psycopg
import redis

HOW_TO_START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": (
        'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
        "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
    ),
}


def check_postgres(url: str) -> str | None:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return f"PostgreSQL at {url} is unreachable: {str(error).strip()}"
    return None


def check_redis(url: str) -> str | None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        return f"Redis at {url} is unreachable: {error}"
    return None


def main() -> int:
    # The server's own "postgres" database: the test database (any name) may not exist yet.
    database = urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres").geturl()
    failures = {
        "PostgreSQL": check_postgres(database),
        "Redis": check_redis(os.environ["CELERY_BROKER_URL"]),
    }
    down = {name: message for name, message in failures.items() if message}
    for name, message in down.items():
        print(f"make test: {message}\n  start it with: {HOW_TO_START[name]}", file=sys.stderr)
    return 1 if down else 0


if __name__ == "__main__":
    sys.exit(main())
