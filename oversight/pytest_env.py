"""The tests' own environment, set before pytest-django reads the settings (pyproject's addopts
load it with ``-p``): development values for what the production profile requires, unless the
caller's environment (``make test``'s) already says otherwise; never a developer's .env.local,
so a run is the same on every machine."""

from __future__ import annotations

import os

TEST_ENVIRONMENT = {
    "DEBUG": "true",
    "SECRET_KEY": "tests-only-never-used-outside-the-test-suite",
    "OVERSIGHT_ENV_FILE": "",
}

for name, value in TEST_ENVIRONMENT.items():
    os.environ.setdefault(name, value)
