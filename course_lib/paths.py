"""Where things are in a checkout of the course (found from this package's location)."""
from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO_ROOT / "notebooks"
SOLUTIONS = REPO_ROOT / "solutions"
STUBS = REPO_ROOT / "stubs"
EXERCISES = REPO_ROOT / "exercises"
CORRECTIONS = REPO_ROOT / "corrections.toml"

__all__ = ["REPO_ROOT", "NOTEBOOKS", "SOLUTIONS", "STUBS", "EXERCISES", "CORRECTIONS"]
