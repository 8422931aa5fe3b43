"""Take the README's screenshots of ``reportgen serve``: the preview, and a problem in it.

Serves a copy of the shipped project, opens the English edition in Chromium (Debian's,
driven by Playwright), then makes the README's example slip (a value off by a factor of
ten) and waits for the problem panel. Writes docs/serve-preview.png and
docs/serve-error.png as small palette PNGs.

    python scripts/serve_screenshots.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ["SOURCE_DATE_EPOCH"] = "1767225600"
os.environ["PYTHONPATH"] = str(ROOT)

from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from servekit import Served, edit  # noqa: E402

DOCS = ROOT / "docs"
SIZE = {"width": 1100, "height": 660}


def _small(path: Path) -> None:
    """Keep the screenshot small: 96 colours are plenty for text and a few tints."""
    image = Image.open(path).convert("RGB")
    image.quantize(colors=96, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "briefing"
        project.mkdir()
        for name in ("data", "seeds", "templates"):
            shutil.copytree(ROOT / name, project / name)
        shutil.copy(ROOT / "reportgen.yaml", project / "reportgen.yaml")
        served = Served(project)
        try:
            served.client.wait_for(lambda s: s["builds"] > 0 and not s["problems"],
                                   timeout=600, what="the first build")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                     args=["--no-sandbox", "--disable-gpu"])
                page = browser.new_page(viewport=SIZE)  # type: ignore[arg-type]
                page.goto(served.client.base + "/briefing.en.html", wait_until="load")
                page.locator("reportgen-preview .status").wait_for()
                page.screenshot(path=DOCS / "serve-preview.png")
                edit(project / "data" / "metrics.yaml",
                     "quantity: {value: 5.0e11, unit: cny, qualifier: eq, stated: \"5000亿元\"}",
                     "quantity: {value: 5.0e10, unit: cny, qualifier: eq, stated: \"5000亿元\"}")
                page.locator("reportgen-preview .panel").wait_for(state="visible",
                                                                  timeout=300_000)
                page.screenshot(path=DOCS / "serve-error.png")
                browser.close()
        finally:
            served.stop()
    for name in ("serve-preview.png", "serve-error.png"):
        _small(DOCS / name)
        print(f"{name}: {(DOCS / name).stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
