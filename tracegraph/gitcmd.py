"""The one way the package runs git.

A minimal version: the gitsafe lane replaces it with the hardened one (same name and signature).
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def run_git(root: Path, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[bytes]:
    """Run ``git -C root ARGS`` and return the finished process (output as bytes, never raises
    for a non-zero exit; OSError and TimeoutExpired propagate)."""
    return subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        check=False,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
