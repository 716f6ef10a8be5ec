"""Repository invariants: lmbook/ is exactly what nbdev_export makes of nbs/, notebooks are clean, the README is the
front page, and the book's sidebar lists every notebook."""
import json
import sys
import shutil
import subprocess

import yaml

from _util import NBS, ROOT, env, notebooks, tool


def _copy_project(dst):
    for name in ("settings.ini", "pyproject.toml", "setup.py", "README.md", "_quarto.yml"):
        shutil.copy(ROOT / name, dst / name)
    shutil.copytree(NBS, dst / "nbs", symlinks=True, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(ROOT / "lmbook", dst / "lmbook", ignore=shutil.ignore_patterns("__pycache__", "data"))


def test_export_matches_committed_package(tmp_path):
    _copy_project(tmp_path)
    for p in (tmp_path / "lmbook").glob("*.py"):
        if p.name != "__init__.py": p.unlink()  # export must recreate every module from the notebooks
    proc = subprocess.run([tool("nbdev_export")], cwd=tmp_path, env=env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    made = {p.name: p.read_text() for p in (tmp_path / "lmbook").glob("*.py")}
    committed = {p.name: p.read_text() for p in (ROOT / "lmbook").glob("*.py")}
    assert sorted(made) == sorted(committed), "modules differ: run nbdev_export and commit lmbook/"
    drift = [n for n in made if made[n] != committed[n]]
    assert not drift, f"lmbook/ drifted from nbs/ in {drift}: run nbdev_export and commit both"
    assert (tmp_path / "pyproject.toml").read_text() == (ROOT / "pyproject.toml").read_text()


def test_notebooks_are_clean(tmp_path):
    "Policy: notebooks are committed without outputs or execution counts, metadata cleaned by nbdev_clean."
    for nb in notebooks():
        cells = json.loads(nb.read_text())["cells"]
        dirty = [i for i, c in enumerate(cells) if c.get("outputs") or c.get("execution_count") is not None]
        assert not dirty, f"{nb.name}: cells {dirty} have outputs or execution counts (run nbdev_clean --clear_all)"
    _copy_project(tmp_path)
    proc = subprocess.run([tool("nbdev_clean")], cwd=tmp_path, env=env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    changed = [nb.name for nb in notebooks() if (tmp_path / "nbs" / nb.name).read_bytes() != nb.read_bytes()]
    assert not changed, f"nbdev_clean changes {changed}: run it and commit"


def test_readme_is_the_front_page():
    from lmbook.book import readme_from_index
    assert (ROOT / "README.md").read_text() == readme_from_index(NBS / "index.ipynb"), \
        "README.md is out of date: run `lmbook readme`"


def test_sidebar_lists_every_notebook():
    from lmbook.book import _sidebar_entries
    cfg = yaml.safe_load((ROOT / "_quarto.yml").read_text())
    listed = [f for _, f in _sidebar_entries(cfg["website"]["sidebar"]["contents"])]
    names = {p.name for p in notebooks()}
    assert sorted(set(listed)) == sorted(names), f"sidebar {sorted(set(listed) ^ names)} out of step with nbs/"
    assert (NBS / "_quarto.yml").resolve() == (ROOT / "_quarto.yml").resolve(), "nbs/_quarto.yml must link to ../_quarto.yml"


def test_import_is_light():
    code = "import sys, lmbook; print(lmbook.__version__, 'torch' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], env=env(), capture_output=True, text=True, check=True).stdout
    version, torch_loaded, tf_loaded = out.split()
    assert (torch_loaded, tf_loaded) == ("False", "False")


def _import_violations(nb_path):
    "Non-exported code cells that import something and also run other statements (nbdev's docs build executes them)."
    import ast
    from execnb.nbio import read_nb
    from nbdev.process import extract_directives
    bad = []
    for i, cell in enumerate(read_nb(nb_path).cells):
        if cell.cell_type != "code" or "nbdev_export" + "(" in cell.source: continue
        dirs = extract_directives(cell, remove=False)
        if {"export", "exporti", "exports"} & dirs.keys() or dirs.get("eval:", [""])[0] == "false": continue
        try: tree = ast.parse("\n".join(l for l in cell.source.splitlines() if not l.lstrip().startswith(("%", "!"))))
        except SyntaxError: continue
        if not any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree)): continue
        allowed = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        if not all(isinstance(n, allowed) for n in tree.body): bad.append(i)
    return bad


def test_imports_stand_alone():
    "STYLE.md: never mix imports with other code in a cell; the docs build executes every cell that imports."
    bad = {nb.name: idx for nb in notebooks() if (idx := _import_violations(nb))}
    assert not bad, f"cells mixing imports with other statements (split them): {bad}"


def test_readme_commands_match_ci():
    "README command 1 = system packages + venv + the install command .ci/run uses + `lmbook book`; command 2 = .ci/run's test command."
    import re
    ci = (ROOT / ".ci" / "run").read_text()
    install = re.search(r"^INSTALL='(.+)'$", ci, re.MULTILINE).group(1)
    system = re.search(r"^SYSTEM='(.+)'$", ci, re.MULTILINE).group(1)
    test = re.search(r"^TEST='(.+)'$", ci, re.MULTILINE).group(1)
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.+?)\n```", readme, re.DOTALL)
    assert blocks[0] == (f"$([ \"$(id -u)\" -eq 0 ] || echo sudo) sh -c '{system}' && python3 -m venv .venv && "
                         f". .venv/bin/activate && {install} "
                         "&& lmbook book"), blocks[0]
    assert blocks[1] == test, blocks[1]


def test_markdown_is_not_commented_out():
    "Markdown cells hold markdown, not '# '-prefixed jupytext comments (those render as a wall of headings)."
    from execnb.nbio import read_nb
    bad = {}
    for nb in notebooks():
        cells = [i for i, c in enumerate(read_nb(nb).cells) if c.cell_type == "markdown"
                 and any(l.rstrip() == "#" or l.startswith(("# #", "# >", "# |", "# - ")) for l in c.source.splitlines())]
        if cells: bad[nb.name] = cells
    assert not bad, f"markdown cells written as comments: {bad}"


def test_show_doc_renders_every_export():
    "The book renders `show_doc` for every exported name; a signature it cannot resolve breaks that page's build."
    import importlib
    import warnings
    from nbdev.showdoc import show_doc
    bad = []
    for path in sorted((ROOT / "lmbook").glob("*.py")):
        if path.name.startswith("_"): continue
        mod = importlib.import_module(f"lmbook.{path.stem}")
        for name in getattr(mod, "__all__", []):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    show_doc(getattr(mod, name))
            except Exception as e:  # noqa: BLE001 - report every failure, with its module and name
                bad.append(f"lmbook.{path.stem}.{name}: {type(e).__name__}: {e}")
    assert not bad, "show_doc fails for:\n" + "\n".join(bad)
