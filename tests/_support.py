"""Shared helpers of the repository checks."""

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(command, **kwargs):
    """Run a command from the repository root, capturing its output as text."""
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False, **kwargs)
