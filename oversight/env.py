"""Typed readers of the environment: the only way settings learn anything."""

from __future__ import annotations

import os
from pathlib import Path


def envstr(name: str, default: str) -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name}={raw!r} is not a boolean (use true or false)")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a whole number") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


class MissingSetting(RuntimeError):
    """A deployment without a value it needs: Oversight refuses to start and says which."""


def envrequired(name: str, example: str) -> str:
    """A value with no safe default: loud, naming the variable, when absent."""
    value = os.environ.get(name, "")
    if not value:
        raise MissingSetting(
            f"{name} must be set (e.g. {name}={example}). Without environment Oversight runs "
            "the production profile; `make demo` writes .env.local with development values."
        )
    return value


def envsecret(name: str) -> str:
    """A secret from NAME, or from the file NAME_FILE names (Docker secrets); loud if absent."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    value = os.environ.get(name, "")
    if not value:
        raise MissingSetting(f"{name} (or {name}_FILE) must be set in production")
    return value


def env_file_load(path: Path) -> None:
    """Fill in what the environment does not set from a KEY=value file (``make demo`` writes
    ``.env.local``, git-ignored): the environment always wins; blank lines and # comments skip."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, value = line.split("=", 1)
        os.environ.setdefault(name.strip(), value.strip())
