"""The rendered book, checked the way a reader sees it: pages built by `lmbook book` (Sphinx + myst-nb), opened in
headless Chromium.

The tests fail if equations are left as raw TeX or MathJax cannot typeset them, if a plot is missing or broken, if the
screenshot is blank, if the search page does not find a word that only one page holds, if the sidebar misses a built
page, if progress bars leak into the page, or if the front page's verdict table lacks a paper chapter. Without a
Chromium binary they skip with a message, except when LMBOOK_REQUIRE_BROWSER=1 (set by .ci/run), where a missing
browser is a failure. LMBOOK_BOOK_DIR=<folder> checks an already built site instead of building one.
"""
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from _util import NBS, env

PAGES = ["index", "00_models", "00b_data"]  # front page, a page with a plot, a page with equations
SEARCH = ("perplexity", "00b_data.html")  # a word of the data chapter that the models chapter and the front page lack


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name): return shutil.which(name)
    if os.environ.get("LMBOOK_REQUIRE_BROWSER") == "1":
        pytest.fail("no Chromium found but LMBOOK_REQUIRE_BROWSER=1 (CI installs Debian's chromium)")
    pytest.skip("no Chromium binary (apt-get install chromium) - the browser check is skipped")


_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--allow-file-access-from-files", "--virtual-time-budget=20000", "--hide-scrollbars"]


def _dom(chrome, url):
    return subprocess.run([chrome, *_FLAGS, "--dump-dom", url], capture_output=True, text=True, timeout=120, env=env()).stdout


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
    if os.environ.get("LMBOOK_BOOK_DIR"): return Path(os.environ["LMBOOK_BOOK_DIR"])
    from lmbook.book import build_book
    out = tmp_path_factory.mktemp("book")
    res = build_book(NBS, out, only=PAGES, progress=False)
    assert not res.failed, [(p["name"], p["cell"], p["error"][-1500:]) for p in res.failed]
    return out


def test_book_in_chromium(book, tmp_path):
    """One test, so that one pytest-xdist worker builds the book while the other runs notebooks (pytest-xdist 3.8 under
    pytest 9 ignores `xdist_group`, and two workers each built it)."""
    chrome = _chromium()
    for page in PAGES: _check_page(chrome, book, page, tmp_path)
    _check_search(chrome, book)
    _check_contents(chrome, book)


def _check_page(chrome, book, page, tmp_path):
    from PIL import Image
    dom = _dom(chrome, (book / f"{page}.html").as_uri())
    assert 'class="bd-main"' in dom or "bd-article" in dom, f"{page}: Chromium returned no book page"
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
    if page == "00_models":  # each documented function links to its line in lmbook/<module>.py
        links = re.findall(r'class="lmbook-src" href="(source/[^"#]+)#([^"]+)"', dom)
        assert links, f"{page}: no source links"
        for f, anchor in links:
            assert f'id="{anchor}"' in (book / f).read_text(), f"{page}: the source link {f}#{anchor} points nowhere"
    pngs = [s for s in parser.imgs if s.split("?")[0].endswith(".png")]
    if page == "00_models":
        assert pngs, f"{page}: the plot is missing"
    for s in pngs:
        Image.open(book / s).verify()
    # stray output: the builder drops progress bars; any other stderr (a warning) is a defect of the page's code
    stderr = re.findall(r'class="output stderr[^"]*"[^>]*>(.*?)</div>', dom, flags=re.S)
    assert not stderr, f"{page}: stderr output in the page: {[re.sub('<[^>]+>', '', s)[:200] for s in stderr[:2]]}"
    # the page's contents panel: every entry points at a section that exists on the page
    toc = re.search(r'<nav id="pst-page-toc-nav"[^>]*>(.*?)</nav>', dom, flags=re.S)
    if page != "index":
        assert toc, f"{page}: no per-page table of contents"
        targets = re.findall(r'href="#([^"]+)"', toc.group(1))
        assert targets, f"{page}: the table of contents is empty"
        missing = [t for t in targets if f'id="{t}"' not in dom]
        assert not missing, f"{page}: contents entries point at no section: {missing[:3]}"
    assert 'class="prev-next-area"' in dom or page == "index", f"{page}: no previous/next links"
    shot = tmp_path / f"{page}.png"
    subprocess.run([chrome, *_FLAGS, f"--screenshot={shot}", "--window-size=1280,2000", (book / f"{page}.html").as_uri()],
                   capture_output=True, timeout=120, env=env())
    img = Image.open(shot).convert("L")
    lo, hi = img.getextrema()
    assert hi - lo > 100, f"{page}: the screenshot is blank"
    keep = os.environ.get("LMBOOK_SCREENSHOTS")
    if keep: os.makedirs(keep, exist_ok=True); shutil.copy(shot, os.path.join(keep, shot.name))


def _check_search(chrome, book):
    "Full-text search works offline: a word only the data chapter holds lists that chapter."
    word, page = SEARCH
    dom = _dom(chrome, (book / "search.html").as_uri() + f"?q={word}")
    hits = re.findall(r'<ul[^>]*class="search"[^>]*>(.*?)</ul>', dom, flags=re.S)
    assert hits, f"the search page shows no result list for {word!r} (searchindex.js not loaded?)"
    assert f'href="{page}' in hits[0], f"searching {word!r} does not list {page}: {hits[0][:400]}"
    assert 'href="00_models.html' not in hits[0], f"searching {word!r} lists a page without the word"


def _check_contents(chrome, book):
    "Every built page is in the sidebar; the front page has one verdict row per paper chapter and no NaN in it."
    from lmbook.book import book_notebooks
    dom = _dom(chrome, (book / "index.html").as_uri())
    nav = re.search(r'<nav class="bd-links[^"]*"[^>]*>(.*?)</nav>', dom, flags=re.S)
    assert nav, "the front page has no sidebar"
    for p in PAGES[1:]:
        assert f'href="{p}.html"' in nav.group(1), f"the sidebar misses {p}"
    table = re.search(r'<table class="lmbook-verdicts">(.*?)</table>', dom, flags=re.S)
    assert table, "the front page has no verdict table"
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1), flags=re.S)[1:]
    papers = [p for s, p in book_notebooks(NBS) if s == "Papers"]
    assert len(rows) >= len(papers) > 0, f"{len(rows)} verdict rows for {len(papers)} paper chapters"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table.group(1), flags=re.S)
    assert not [c for c in cells if re.fullmatch(r"\s*nan\s*", c, flags=re.I)], "NaN in the verdict table"
