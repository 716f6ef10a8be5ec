"""Shared helpers for lmbook's tests (not collected by pytest: the name starts with an underscore)."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def notebooks():
    "The notebooks nbdev tests: every .ipynb in nbs/ whose name does not start with _ or ."
    return sorted(p for p in NBS.glob("*.ipynb") if not p.name.startswith(("_", ".")))


def tool(name):
    "Path of a console script installed next to the running interpreter (nbdev_test, nbdev_export, ...)."
    p = Path(sys.executable).parent / name
    return str(p) if p.exists() else name


def env(**extra):
    return {**os.environ, **OFFLINE, **extra}


def notebook_threads(under_xdist: bool) -> str:
    "The OMP_NUM_THREADS a notebook test runs with: one per pytest-xdist worker unless the caller set it."
    if "OMP_NUM_THREADS" in os.environ: return os.environ["OMP_NUM_THREADS"]
    return "1" if under_xdist else f"default ({os.cpu_count()})"
