"""pytest options for lmbook: `pytest --slow` also runs the cells marked `#| slow` (same as LMBOOK_TEST_FLAGS=slow)."""
import os

from _util import notebook_threads


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="also run notebook cells marked #| slow (full reproductions)")


def pytest_configure(config):
    if config.getoption("--slow"):
        flags = set(os.environ.get("LMBOOK_TEST_FLAGS", "").split()) | {"slow"}
        os.environ["LMBOOK_TEST_FLAGS"] = " ".join(sorted(flags))


def pytest_report_header(config):
    "Say how many torch threads each notebook gets: float32 reductions change with it, so a failure names it."
    n = getattr(config.option, "numprocesses", None)
    workers = n if isinstance(n, int) and n > 0 else 0
    return (f"lmbook: {os.cpu_count()} cores; notebooks run with "
            f"{notebook_threads(under_xdist=workers > 0)} torch thread(s) each, {max(workers, 1)} at a time; "
            f"flags: {os.environ.get('LMBOOK_TEST_FLAGS', '') or 'none'}")
