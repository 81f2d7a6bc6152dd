"""Debian's Chromium, as the browser tests and the docs' screenshot script launch it.

Never a downloaded browser: ``/usr/bin/chromium`` (``.ci/run`` installs it when missing). The
flags keep it headless and quiet on a machine whose network is closed: without the
background-networking ones it keeps trying, and failing, to reach Google's hosts.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
