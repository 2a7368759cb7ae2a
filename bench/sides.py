"""An older revision's source tree beside this one, for the benches that run both in one run."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def old_source(rev: str | None) -> Iterator[Path | None]:
    """The `src` of a temporary detached git worktree of `rev` (None when no revision is asked),
    removed with its directory on the way out, however the bench ends."""
    if not rev:
        yield None
        return
    temp = Path(tempfile.mkdtemp(prefix="bench-old-"))
    tree = temp / "old"
    git = ["git", "-C", str(ROOT), "worktree"]
    try:
        subprocess.run([*git, "add", "--detach", str(tree), rev], check=True, capture_output=True)
        yield tree / "src"
    finally:
        subprocess.run([*git, "remove", "--force", str(tree)], capture_output=True)
        subprocess.run([*git, "prune"], capture_output=True)
        shutil.rmtree(temp, ignore_errors=True)
