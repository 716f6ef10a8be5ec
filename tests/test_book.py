"""The rendered book, checked the way a reader sees it: pages built by `lmbook book`, opened in headless Chromium.

The test fails if equations are left as raw TeX, if MathJax did not typeset them, if plots are missing or broken, or if
the screenshot is blank. Without a Chromium binary it skips with a message, except when LMBOOK_REQUIRE_BROWSER=1
(set by .ci/run), where a missing browser is a failure.
"""
import base64
import io
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from _util import NBS, ROOT, env

PAGES = ["index", "00_models", "00b_data"]  # front page, a page with a plot, a page with equations


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name): return shutil.which(name)
    if os.environ.get("LMBOOK_REQUIRE_BROWSER") == "1":
        pytest.fail("no Chromium found but LMBOOK_REQUIRE_BROWSER=1 (CI installs Debian's chromium)")
    pytest.skip("no Chromium binary (apt-get install chromium) - the browser check is skipped")


_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--allow-file-access-from-files", "--virtual-time-budget=20000", "--hide-scrollbars"]


class _Text(HTMLParser):
    "Collect visible text (outside script/style/pre/code) and the src of every <img>."
    def __init__(self):
        super().__init__(); self.skip, self.text, self.imgs = 0, [], []
    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "pre", "code"): self.skip += 1
        if tag == "img": self.imgs.append(dict(attrs).get("src", ""))
    def handle_endtag(self, tag):
        if tag in ("script", "style", "pre", "code"): self.skip -= 1
    def handle_data(self, data):
        if not self.skip: self.text.append(data)


def _math_spans(path):
    "How many `$...$` / `$$...$$` spans the notebook's markdown cells hold: every one must reach the page as math."
    import json
    cells = json.loads(path.read_text())["cells"]
    md = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    md = re.sub(r"```.*?```|`[^`\n]*`", "", md, flags=re.S)
    return len(re.findall(r"\$\$.+?\$\$|\$[^$\n]+?\$", md, flags=re.S))


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    from lmbook.book import build_book
    out = tmp_path_factory.mktemp("book")
    res = build_book(NBS, out, only=PAGES, progress=False)
    assert not res.failed, [(p["name"], p["cell"], p["error"][-1500:]) for p in res.failed]
    return out


@pytest.mark.xdist_group("book")
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_in_chromium(book, page, tmp_path):
    from PIL import Image
    chrome = _chromium()
    url = (book / f"{page}.html").as_uri()
    dom = subprocess.run([chrome, *_FLAGS, "--dump-dom", url], capture_output=True, text=True, timeout=120, env=env()).stdout
    assert "lmbook-nav" in dom, f"{page}: Chromium returned no page"
    parser = _Text(); parser.feed(dom)
    text = "".join(parser.text)
    raw = re.findall(r"\$[^$\n]{1,80}\$|\\\(|\\\[", text)
    assert not raw, f"{page}: raw TeX left in the page text: {raw[:5]}"
    n_tex = dom.count('type="math/tex')
    expected = _math_spans(NBS / f"{page}.ipynb")
    assert n_tex >= expected, f"{page}: the notebook has {expected} equations, the page only {n_tex}"
    assert 'class="MathJax_Error"' not in dom, f"{page}: MathJax shows '[Math Processing Error]' for an equation"
    bad_tex = re.findall(r'<merror><mtext>([^<]{0,120})', dom)
    assert not bad_tex, f"{page}: TeX that MathJax cannot parse (shown raw): {bad_tex[:3]}"
    typeset = len(re.findall(r'class="MathJax(?:_Display|_CHTML|_SVG)?"', dom))
    assert typeset >= n_tex, f"{page}: MathJax typeset {typeset} of {n_tex} equations"
    pngs = [s for s in parser.imgs if s.startswith("data:image/png;base64,")]
    if page == "00_models":
        assert pngs, f"{page}: the plot is missing"
    for s in pngs:
        Image.open(io.BytesIO(base64.b64decode(s.split(",", 1)[1]))).verify()
    shot = tmp_path / f"{page}.png"
    subprocess.run([chrome, *_FLAGS, f"--screenshot={shot}", "--window-size=1280,2000", url],
                   capture_output=True, timeout=120, env=env())
    img = Image.open(shot).convert("L")
    lo, hi = img.getextrema()
    assert hi - lo > 100, f"{page}: the screenshot is blank"
    keep = os.environ.get("LMBOOK_SCREENSHOTS")
    if keep: os.makedirs(keep, exist_ok=True); shutil.copy(shot, os.path.join(keep, shot.name))
