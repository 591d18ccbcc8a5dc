"""Services the chaos tests start, break and restart themselves — never the machine's own.

Each is a child process of the test run, started on a free port and stopped by its own pid:
a Redis server, a Celery worker pointed at it, a PostgreSQL cluster (initdb into a temporary
folder, run as the ``postgres`` user when the suite runs as root, since PostgreSQL refuses to
run as root) and gunicorn serving the app on it.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import psycopg
import pytest
import redis

from tests.conftest import QUEUES

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(ready: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout:.0f} s", pytrace=False)
        time.sleep(0.1)


class Child:
    """A process we started, its output kept in a file for the failure message."""

    def __init__(self, name: str, argv: Sequence[str], *, env: dict[str, str], log: Path) -> None:
        self.name, self.argv, self.env, self.log_path = name, list(argv), env, log
        self.process: subprocess.Popen[bytes] | None = None
        self.log: IO[bytes] | None = None

    def start(self) -> None:
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter, our own arguments
            self.argv, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        """Send ``sig`` to our process (by its pid) and wait for it to end."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.log is not None:
            self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_ready(self, ready: Callable[[], bool], what: str, timeout: float = 30) -> None:
        """Wait for ``ready``; a process that never gets there is stopped, not left behind."""
        try:
            wait_until(ready, what, timeout)
        except BaseException:  # pytest.fail's Failed is a BaseException
            self.stop(signal.SIGKILL)
            raise


class OwnRedis(Child):
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(folder)]
        super().__init__("redis", argv, env=dict(os.environ), log=folder / "redis.log")
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if shutil.which("redis-server") is None:
            pytest.fail("chaos tests need redis-server on PATH (apt-get install redis-server)")
        super().start()
        self.wait_ready(self.answers, "our redis-server did not answer")

    def answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False


class OwnWorker(Child):
    """A Celery worker (solo pool, both queues, as tests/conftest.py's) on our broker and a
    database."""

    def __init__(self, folder: Path, *, broker: str, database: str, **env: str) -> None:
        self.node = f"chaos-{uuid.uuid4().hex[:8]}@{os.uname().nodename}"
        argv = [sys.executable, "-m", "celery", "-A", "oversight", "worker", "-n", self.node]
        argv += ["-Q", QUEUES, "--pool=solo", "--concurrency=1", "-l", "info"]
        argv += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        environment = {**os.environ, "CELERY_BROKER_URL": broker, "DATABASE_URL": database, **env}
        super().__init__("worker", argv, env=environment, log=folder / f"{self.node}.log")

    def start(self) -> None:
        """Started, and ready: consuming from the broker (its own log says so)."""
        ready = f"{self.node} ready.".encode()
        since = self.log_path.stat().st_size if self.log_path.exists() else 0
        super().start()

        def consuming() -> bool:
            if not self.alive():
                pytest.fail(f"the worker exited:\n{self.output()}", pytrace=False)
            return ready in self.log_path.read_bytes()[since:]

        self.wait_ready(consuming, f"the Celery worker {self.node} was not ready", timeout=60)


def postgres_binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        pytest.fail("chaos tests need PostgreSQL's server binaries (/usr/lib/postgresql/*/bin)")
    return Path(found[-1]).parent


def as_postgres_user(argv: list[str]) -> list[str]:
    """PostgreSQL will not run as root: as root, run it as the ``postgres`` user."""
    if os.geteuid() != 0:
        return argv
    if shutil.which("runuser") is None:
        pytest.fail("running as root, the chaos tests need runuser to start PostgreSQL as postgres")
    return ["runuser", "-u", "postgres", "--", *argv]


class OwnPostgres:
    """A PostgreSQL cluster of our own: initdb into ``folder``, pg_ctl start/stop by its pid."""

    def __init__(self) -> None:
        self.bin = postgres_binaries()
        # Not under pytest's tmp_path: its folders are private to root, where postgres cannot go.
        self.home = Path(tempfile.mkdtemp(prefix="oversight-chaos-pg-"))
        self.folder = self.home / "pgdata"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/oversight_chaos"

    def _run(self, *argv: str) -> None:
        done = subprocess.run(  # noqa: S603 - PostgreSQL's own tools, our own arguments
            as_postgres_user(list(argv)), capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            pytest.fail(f"{' '.join(argv)} failed:\n{done.stdout}{done.stderr}", pytrace=False)

    def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.home, user="postgres")
        self._run(
            str(self.bin / "initdb"), "-D", str(self.folder), "-U", "postgres",
            "--auth=trust", "--no-sync", "-E", "UTF8",
        )  # fmt: skip
        self.start()
        with psycopg.connect(
            self.url.replace("/oversight_chaos", "/postgres"), autocommit=True
        ) as c:
            c.execute("CREATE DATABASE oversight_chaos")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.folder), "-o", options,
            "-l", str(self.folder / "server.log"), "-w", "-t", "30", "start",
        )  # fmt: skip

    @property
    def pid(self) -> int:
        """The postmaster's pid, from its own pid file (what pg_ctl stops)."""
        return int((self.folder / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        """Fast shutdown of our cluster only: pg_ctl signals the pid in our data folder."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.folder), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.folder / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.home, ignore_errors=True)

    def answers(self) -> bool:
        try:
            with psycopg.connect(self.url, connect_timeout=1) as connection:
                connection.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True


class OwnApp(Child):
    """gunicorn serving Oversight, production profile, on our PostgreSQL cluster."""

    def __init__(self, folder: Path, *, database: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        argv = [sys.executable, "-m", "gunicorn", "oversight.wsgi:application"]
        argv += ["-b", f"127.0.0.1:{self.port}", "-w", "1", "--threads", "2", "--timeout", "30"]
        env = {
            **os.environ,
            "DEBUG": "false",
            "OVERSIGHT_ENV_FILE": "",
            "SECRET_KEY": "chaos-tests-only-never-used-outside-them",
            "DATABASE_URL": database,
            "DATABASE_CONN_MAX_AGE": "600",  # persistent: the restart breaks a live connection
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
        }
        super().__init__("gunicorn", argv, env=env, log=folder / "gunicorn.log")

    def start(self) -> None:
        super().start()

        def answers() -> bool:
            if not self.alive():
                pytest.fail(f"gunicorn exited:\n{self.output()}", pytrace=False)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                return False

        self.wait_ready(answers, "gunicorn did not listen", timeout=60)
