"""map.html and report.html in a real browser: headless Chromium driven by Playwright.

No console errors, layers toggle, one marker per facility, hostile names stay text (no dialog
ever opens), and screenshots are saved in ``test-artifacts/screenshots/`` for the test report.
Without Chromium these tests skip, unless ``ACCESS15_REQUIRE_BROWSER=1`` (CI) makes them fail.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import (
    HOSTILE_EN,
    HOSTILE_FACILITY,
    HOSTILE_ID,
    HOSTILE_JINJA,
    HOSTILE_TEMPLATE,
    HOSTILE_TOWNSHIP,
    JINJA_EVALUATED,
)

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_MAP_JS = "Object.values(window).find((v) => v instanceof L.Map)"


def _chromium() -> str | None:
    for c in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if c and Path(c).is_file():
            return c
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("ACCESS15_REQUIRE_BROWSER") == "1":
        pytest.fail(f"ACCESS15_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    if exe is None:
        _unavailable("Chromium not found (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


class _Watched:
    """A page that records console errors, page errors and dialogs (dismissed)."""

    def __init__(self, browser, *, width: int = 1400, height: int = 1000) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None
            ),
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("dialog", self._dialog)
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))

    def _dialog(self, d) -> None:
        self.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    def open(self, path: Path) -> None:
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        self.page.wait_for_timeout(300)

    def shot(self, name: str, *, full_page: bool = False) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        out = SHOTS / name
        self.page.screenshot(path=str(out), full_page=full_page)
        return out

    def close(self) -> None:
        self.page.close()


def _toggle(page, label: str) -> None:
    page.locator(".leaflet-control-layers-overlays label", has_text=label).locator("input").click()
    page.wait_for_timeout(150)


def _isochrone_features(page) -> int:
    return page.evaluate(
        f"""() => {{ const m = {_MAP_JS}; let n = 0;
        m.eachLayer((l) => {{ if (l.feature && 'colour' in l.feature.properties) n++; }});
        return n; }}"""
    )


def _hover_latlng(page, lat: float, lon: float) -> None:
    xy = page.evaluate(
        f"""() => {{ const m = {_MAP_JS}; const p = m.latLngToContainerPoint([{lat}, {lon}]);
        const r = m.getContainer().getBoundingClientRect();
        return [p.x + r.left, p.y + r.top]; }}"""
    )
    page.mouse.move(xy[0] + 3, xy[1] + 3)
    page.mouse.move(*xy)
    page.wait_for_timeout(200)


def test_sample_map_in_chromium(browser, sample):
    run, out = sample
    n_fac = len(json.loads((out / "facilities.geojson").read_text(encoding="utf-8"))["features"])
    w = _Watched(browser)
    try:
        w.open(out / "map.html")
        page = w.page
        assert page.locator(".a15-fac").count() == n_fac == 204
        tiers = run.coverage.facilities["tier"].value_counts()
        for tier, n in tiers.items():
            assert page.locator(f".a15-tier-{tier}").count() == n
        assert page.locator(".a15-site").count() == len(run.recommendation.ranking)
        assert page.locator(".leaflet-control-scale").count() == 1
        assert page.locator(".leaflet-control-zoom-fullscreen, .fullscreen-icon").count() >= 1
        w.shot("map_sample.png")

        # facility layer off and on again
        _toggle(page, "1级：村卫生室")
        assert page.locator(".a15-tier-1").count() == 0
        assert page.locator(".a15-fac").count() == n_fac - tiers[1]
        _toggle(page, "1级：村卫生室")
        assert page.locator(".a15-tier-1").count() == tiers[1]
        # the travel-time surface is an image overlay
        assert page.locator("img.a15-surface").count() == 1
        _toggle(page, "出行时间")
        assert page.locator("img.a15-surface").count() == 0
        # isochrone bands start hidden and appear when switched on
        assert _isochrone_features(page) == 0
        _toggle(page, "等时圈")
        assert _isochrone_features(page) == 4
        w.shot("map_sample_isochrones.png")

        # the hospital's popup: name, tier, minutes to the county hospital
        page.locator(".a15-tier-4").first.click()
        popup = page.locator(".leaflet-popup-content").inner_text()
        hosp = run.coverage.facilities.query("tier == 4").iloc[0]
        assert hosp["name"] in popup
        assert "4级（县医院）" in popup
        assert f"到县医院 {hosp['minutes_to_hospital']:.1f} 分钟" in popup
        assert not w.errors, w.errors
        assert not w.dialogs
        assert all(u.startswith(("file:", "data:")) for u in w.requests), w.requests
    finally:
        w.close()


def test_sample_report_in_chromium(browser, sample, tmp_path):
    run, out = sample
    from access15.outputs.html import build_report

    english = tmp_path / "report_en.html"
    english.write_text(
        build_report(
            run.coverage,
            run.recommendation,
            sens=run.sensitivity,
            summary=json.loads((out / "summary.json").read_text(encoding="utf-8")),
            figures={p.name: p for p in out.glob("*.png")},
            county="Anlan County",
            lang="en",
        ),
        encoding="utf-8",
    )
    for path, shot in ((out / "report.html", "report_sample_zh.png"), (english, "report_en.png")):
        w = _Watched(browser, width=1200, height=900)
        try:
            w.open(path)
            page = w.page
            assert page.locator("img").count() == 3
            assert page.evaluate(
                "() => [...document.images].every((i) => i.complete && i.naturalWidth > 300)"
            )
            assert page.locator("#zone-table tbody tr").count() == len(run.coverage.by_zone)
            assert page.locator("#rec-table tbody tr").count() == 4
            assert page.locator("script").count() == 0
            w.shot(shot, full_page=True)
            assert not w.errors, w.errors  # a CSP violation would be reported here
            assert not w.dialogs
        finally:
            w.close()


def test_hostile_names_stay_text_in_chromium(browser, hostile, pwned):
    _, out = hostile
    assert not pwned.exists()  # rendering the map ran no name
    w = _Watched(browser)
    try:
        w.open(out / "map.html")
        page = w.page
        assert page.locator(".a15-fac").count() == 3
        page.locator(".a15-tier-4").hover()
        page.wait_for_timeout(200)
        assert page.locator(".leaflet-tooltip").inner_text().strip() == HOSTILE_FACILITY
        page.locator(".a15-tier-4").click()
        popup = page.locator(".leaflet-popup-content").inner_text()
        assert HOSTILE_FACILITY in popup
        assert HOSTILE_EN in popup
        page.keyboard.press("Escape")
        page.locator(".a15-site").hover()
        page.wait_for_timeout(200)
        assert (
            f"Upgrade #1: {HOSTILE_TEMPLATE}" in page.locator(".leaflet-tooltip").last.inner_text()
        )
        # hover the middle of the western township (its fill is invisible but hoverable)
        _hover_latlng(page, 0.002, 100.008)
        tips = " ".join(page.locator(".leaflet-tooltip").all_inner_texts())
        assert HOSTILE_TOWNSHIP in tips
        assert page.locator('img[src="x"]').count() == 0
        assert page.evaluate("() => document.title") == ""  # nothing rewrote the page
        assert page.locator("#access15-title").inner_text() == HOSTILE_FACILITY
        # the template probe ending every name is shown as typed, never evaluated
        _hover_latlng(page, 0.002, 100.025)  # the eastern township: its id is hostile
        tips = " ".join(page.locator(".leaflet-tooltip").all_inner_texts())
        assert HOSTILE_ID in tips
        body = page.locator("body").inner_text()
        assert HOSTILE_JINJA in body
        assert JINJA_EVALUATED not in body
        assert JINJA_EVALUATED not in tips
        w.shot("map_hostile_names.png")
        assert not w.dialogs, w.dialogs
        assert not w.errors, w.errors
    finally:
        w.close()
    w = _Watched(browser, width=1200, height=900)
    try:
        w.open(out / "report.html")
        text = w.page.locator("body").inner_text()
        for raw in (HOSTILE_TOWNSHIP, HOSTILE_TEMPLATE, HOSTILE_EN):
            assert raw in text
        assert w.page.locator('img[src="x"]').count() == 0
        w.shot("report_hostile_names.png", full_page=True)
        assert not w.dialogs, w.dialogs
        assert not w.errors, w.errors
    finally:
        w.close()
