"""Paths and environment settings. Nothing else in the package spells a path.

The repository root is found from this file (the package is installed editable by `make setup`).
Real reference data is read in place from the shared folder, never copied into the repository.
"""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

ROOT = Path(os.environ.get("SHOPCAT_ROOT", Path(__file__).resolve().parents[2]))
NOTEBOOKS_DIR = ROOT / "notebooks"
PARAMS_DIR = ROOT / "params"
REPORTS_DIR = Path(os.environ.get("SHOPCAT_REPORTS", ROOT / "reports"))
MODELS_DIR = Path(os.environ.get("SHOPCAT_MODELS", ROOT / "models"))  # git-ignored
DATA_DIR = Path(os.environ.get("SHOPCAT_DATA", ROOT / "data"))  # git-ignored: generated and cached data
CACHE_DIR = DATA_DIR / "cache"


def shared_data_dir() -> Path | None:
    """The shared reference data folder: $SHOPCAT_SHARED_DATA, else ../shared/data beside the checkout."""
    env = os.environ.get("SHOPCAT_SHARED_DATA")
    if env:
        return Path(env)
    default = ROOT.parent / "shared" / "data"
    return default if default.is_dir() else None


def shared_path(relative: str) -> Path:
    """A file or folder inside the shared data; a clear error when it is not there."""
    base = shared_data_dir()
    if base is None:
        raise FileNotFoundError(
            f"Shared reference data not found: set SHOPCAT_SHARED_DATA to the folder that holds '{relative}'."
        )
    path = base / relative
    if not path.exists():
        raise FileNotFoundError(f"'{relative}' is not in the shared data folder {base}.")
    return path


def device(name: str = "auto"):
    """The torch device: CUDA when present, else CPU. 'auto' lets the same code run on both."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def seed_everything(seed: int) -> None:
    """Same seed, same numbers: python, numpy and torch generators."""
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:
        pass


def set_threads(n: int | None = None) -> int:
    """Torch intra-op threads: all cores unless told otherwise (2 here)."""
    import torch

    n = n or os.cpu_count() or 1
    torch.set_num_threads(n)
    return n


def git_commit() -> str:
    """The checkout's commit, with '+dirty' when tracked files outside reports/ differ from it.

    Reports are what a run writes, so they never make the source it ran dirty.
    """
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)reports"],
            cwd=ROOT, capture_output=True, text=True,
        ).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "unknown"


def run_commit() -> str:
    """The commit a run started from: recorded by the runner before any notebook wrote a file."""
    return os.environ.get("SHOPCAT_GIT_COMMIT") or git_commit()


def display_path(text: str) -> str:
    """Text with this machine's absolute paths made relative: reports must not show where a run lived."""
    import tempfile

    if not text or "/" not in text:
        return text
    places = [(MODELS_DIR, "models"), (DATA_DIR, "data"), (REPORTS_DIR, "reports"), (ROOT, ".")]
    shared = shared_data_dir()
    if shared is not None:
        places.insert(0, (shared, "$SHOPCAT_SHARED_DATA"))
    places += [(Path(tempfile.gettempdir()), "$TMPDIR"), (Path.home(), "~")]
    for folder, name in places:
        folder = str(Path(folder).resolve()) if Path(folder).exists() else str(folder)
        for prefix in {folder, str(folder).rstrip("/")}:
            if prefix and prefix != "/" and prefix in text:
                text = text.replace(prefix, name)
    return text
