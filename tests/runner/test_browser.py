"""Open the weekly HTML in headless Chromium, as the boss's browser would.

Needs Debian's `chromium` (`.ci/run` installs it when it can); skipped with the reason when
there is no Chromium on the machine.
"""
import shutil
import subprocess

import numpy as np
import pytest

from csops_lib import runner

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on this machine (apt-get install chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def chromium(tmp_path, *args):
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def weekly_html(demo_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("browser")
    return runner.run("weekly", {}, data_dir=demo_store["store"], out_root=out, progress=False)


def test_chromium_renders_the_headline_section(weekly_html, tmp_path):
    dom = chromium(tmp_path, "--dump-dom", weekly_html.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert '<h2 id="headline">核心指标</h2>' in dom.stdout
    assert "客服周报 2026-W" in dom.stdout


def test_screenshot_of_the_top_of_the_report_is_not_blank(weekly_html, tmp_path):
    import matplotlib.image as mpimg

    png = tmp_path / "top.png"
    shot = chromium(tmp_path, "--window-size=1280,900", f"--screenshot={png}",
                    weekly_html.as_uri())
    assert shot.returncode == 0 and png.exists(), shot.stderr[-2000:]
    pixels = mpimg.imread(png)[..., :3]
    ink = (pixels.mean(axis=2) < 0.6).mean()  # share of dark pixels: text and table rules
    assert 0.005 < ink < 0.5, f"page looks blank or broken (dark share {ink:.4f})"
    assert np.unique(pixels.reshape(-1, 3), axis=0).shape[0] > 50  # anti-aliased text, not flat
