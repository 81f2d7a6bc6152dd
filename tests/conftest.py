"""Shared by the suite: Hypothesis settings (a CI profile with more examples, no deadline)
and the headless browser."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from playwright.sync_api import Browser, sync_playwright

sys.path.insert(0, str(Path(__file__).parent))

from chromium import CHROMIUM, CHROMIUM_ARGS

collect_ignore_glob = ["data/*"]
"""Files kept as test data (a script that only runs against release 0.1.0) are not tests."""

settings.register_profile(
    "default", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "default")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium for the browser tests: skipped where it is not installed, except under
    CI (``CI=true``), where ``.ci/run`` installs it and its absence is a failure."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (Debian package 'chromium'; .ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the browser tests: {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
