"""pytest options for lmbook: `pytest --slow` also runs the cells marked `#| slow` (same as LMBOOK_TEST_FLAGS=slow)."""
import os


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="also run notebook cells marked #| slow (full reproductions)")


def pytest_configure(config):
    if config.getoption("--slow"):
        flags = set(os.environ.get("LMBOOK_TEST_FLAGS", "").split()) | {"slow"}
        os.environ["LMBOOK_TEST_FLAGS"] = " ".join(sorted(flags))
