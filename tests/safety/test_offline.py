"""Reports open with the network off: no script, style or font is fetched from anywhere.

nbconvert's template loads require.js and MathJax from a CDN and imports mermaid from one;
the runner's exporter leaves them out (and drops anything of the kind that would remain).
Chromium, with every host name unresolvable, opens a real report and its network log shows
that the page asked for nothing.
"""
import json
import re
import shutil
import subprocess

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from csops_lib import runner

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--host-resolver-rules=MAP * ~NOTFOUND"]
CDN = re.compile(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", re.IGNORECASE)


@pytest.fixture(scope="module")
def report(demo_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("offline")
    html = runner.run("what_if", {}, data_dir=demo_store["store"], out_root=out,
                      progress=False)
    return html, html.read_text(encoding="utf-8")


def test_the_report_loads_nothing_from_the_network(report):
    _, page = report
    assert runner.external_references(page) == []
    assert "<script" not in page.lower()  # the reports need no script at all
    assert not re.findall(r"<link\b", page, re.IGNORECASE)
    assert "cdnjs" not in page and "mathjax" not in page.lower()
    hrefs = [m.group(0) for m in CDN.finditer(page)]
    assert hrefs == [], hrefs
    assert "<h1>" in page and "<h2" in page  # the report itself is there


def test_the_exporter_writes_no_script_even_for_script_outputs():
    nb = new_notebook(cells=[new_code_cell("x", outputs=[
        new_output("display_data", data={"text/html": "<p>shown</p>",
                                         "application/javascript": "alert(2)"}),
        new_output("display_data", data={"application/javascript": "alert(3)",
                                         "text/plain": "plain text"}),
    ])])
    body, _ = runner.html_exporter().from_notebook_node(nbformat.from_dict(nb))
    assert "<p>shown</p>" in body and "plain text" in body
    assert "<script" not in body and "alert(" not in body
    assert runner.external_references(body) == []


def test_offline_drops_what_would_be_fetched_and_keeps_the_rest():
    page = ('<head><script src="https://cdn.example/x.js"></script>'
            "<link rel=stylesheet href=//fonts.example/f.css>"
            "<style>@import url(https://fonts.example/a.css); .x{background:url(http://e/y.png)}"
            '</style></head><body><img src="data:image/png;base64,AAAA">'
            '<a href="https://example.org/help">help</a><img src=https://t.example/p.gif></body>')
    assert len(runner.external_references(page)) == 5
    clean = runner.offline(page)
    assert runner.external_references(clean) == []
    assert '<img src="data:image/png;base64,AAAA">' in clean
    assert '<a href="https://example.org/help">help</a>' in clean  # a link fetches nothing


def _requests(netlog) -> list[str]:
    """URLs the page itself requested (network isolation key of the file:// page)."""
    log = json.loads(netlog.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        if event["type"] == start and "file://" in str(params.get("network_isolation_key")):
            urls.append(params.get("url", ""))
    return [u for u in urls if not u.startswith(("file:", "data:"))]


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine")
def test_chromium_offline_renders_the_report_and_requests_nothing(report, tmp_path):
    html, page = report
    netlog = tmp_path / "net.json"
    run = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                          f"--log-net-log={netlog}", "--dump-dom", html.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    title = re.search(r"<h1>(.*?)</h1>", page).group(1)
    assert f"<h1>{title}</h1>" in run.stdout  # the page rendered
    assert _requests(netlog) == []


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine")
def test_the_network_log_would_show_a_cdn_script(report, tmp_path):
    """The check above can fail: the same page with nbconvert's require.js tag put back
    shows that request in the network log."""
    html, page = report
    cdn = page.replace("<title>", '<script src="https://cdnjs.cloudflare.com/ajax/libs/'
                                  'require.js/2.1.10/require.min.js"></script><title>', 1)
    copy = tmp_path / "with_cdn.html"
    copy.write_text(cdn, encoding="utf-8")
    netlog = tmp_path / "net.json"
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                    f"--log-net-log={netlog}", "--dump-dom", copy.as_uri()],
                   capture_output=True, text=True, timeout=120)
    assert any("cdnjs.cloudflare.com" in u for u in _requests(netlog))
