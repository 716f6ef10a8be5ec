"""Run every notebook with nbdev's test machinery: one pytest case per notebook, each in its own process.

Cells marked `#| slow` are skipped unless `pytest --slow` (or LMBOOK_TEST_FLAGS=slow) is given.
"""
import os
import subprocess
import time

import pytest

from _util import ROOT, env, notebook_threads, notebooks, tool


@pytest.mark.parametrize("nb", notebooks(), ids=lambda p: p.stem)
def test_notebook(nb):
    cmd = [tool("nbdev_test"), "--path", str(nb.relative_to(ROOT))]
    flags = os.environ.get("LMBOOK_TEST_FLAGS", "").strip()
    if flags: cmd += ["--flags", flags]
    t0 = time.perf_counter()
    # Under pytest-xdist (`pytest -n 2`) two notebooks share the cores: one thread each avoids oversubscription.
    threads = notebook_threads(under_xdist=bool(os.environ.get("PYTEST_XDIST_WORKER")))
    extra = {"OMP_NUM_THREADS": threads} if threads.isdigit() else {}
    proc = subprocess.run(cmd, cwd=ROOT, env=env(**extra), capture_output=True, text=True)
    took = time.perf_counter() - t0
    print(f"{nb.name}: {took:.1f} s with {threads} torch thread(s)")
    assert proc.returncode == 0, (f"{nb.name} failed (exit {proc.returncode}, {took:.0f} s, OMP_NUM_THREADS={threads})\n"
                                  f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-8000:]}")
