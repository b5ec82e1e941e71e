"""Fetch mermaid's own ``mermaid.min.js`` for the Mermaid validation tests, with no manual step.

``npm pack mermaid@MERMAID_VERSION`` downloads the package tarball from the npm registry
(reachable in CI); the single file ``package/dist/mermaid.min.js`` is extracted into pytest's
cache folder, so later runs reuse it. Without ``npm`` the tests skip with a clear reason.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

#: Pinned so a Mermaid release cannot change what the tests accept; GitHub runs Mermaid 11.
MERMAID_VERSION = "11.4.1"
MEMBER = "package/dist/mermaid.min.js"


class MermaidUnavailable(Exception):
    """The file could not be obtained (no npm, no registry); the reason says why."""


def fetch_mermaid_js(cache: Path, version: str = MERMAID_VERSION) -> Path:
    """The path of ``mermaid.min.js`` for ``version``, packing it into ``cache`` when absent."""
    target = cache / f"mermaid-{version}.min.js"
    if target.is_file():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise MermaidUnavailable("npm is not installed, so mermaid.min.js cannot be fetched")
    cache.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [npm, "pack", f"mermaid@{version}", "--silent", "--pack-destination", str(cache)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise MermaidUnavailable("npm pack mermaid timed out") from None
    tarball = cache / f"mermaid-{version}.tgz"
    if done.returncode != 0 or not tarball.is_file():
        raise MermaidUnavailable(f"npm pack mermaid@{version} failed: {done.stderr.strip()[:300]}")
    with tarfile.open(tarball) as archive:
        source = archive.extractfile(MEMBER)
        if source is None:
            raise MermaidUnavailable(f"{tarball} has no {MEMBER}")
        partial = target.with_suffix(".part")
        partial.write_bytes(source.read())
    partial.replace(target)
    tarball.unlink()
    return target
