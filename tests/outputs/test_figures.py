"""Static figures: the drawn data equal the coverage figures; PNGs are valid and reproducible."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from matplotlib.image import AxesImage
from matplotlib.text import Text

from access15.outputs import figures
from access15.outputs.labels import has_cjk
from access15.outputs.style import surface_rgba
from conftest import HOSTILE_JINJA, JINJA_EVALUATED

PNG = b"\x89PNG\r\n\x1a\n"


def has_cjk_text(fig) -> bool:
    return any(has_cjk(t.get_text()) for t in fig.findobj(Text))


def test_coverage_map_draws_the_surface_cell_for_cell(sample):
    run, _ = sample
    cov = run.coverage
    fig = figures.coverage_map(
        cov, run.recommendation, boundary=run.boundary, zones=run.zones, lang="en"
    )
    ax = fig.axes[0]
    images = [a for a in ax.get_children() if isinstance(a, AxesImage)]
    assert len(images) == 1
    drawn = np.asarray(images[0].get_array())
    want = surface_rgba(cov.surface[cov.levels[0].name], alpha=255)
    np.testing.assert_array_equal(drawn, want)
    t, (h, w) = cov.population.transform, cov.population.shape
    assert images[0].get_extent() == pytest.approx([t.c, t.c + w * t.a, t.f + h * t.e, t.f])
    # one scatter per tier plus the recommended sites, with the right number of points
    sizes = sorted(len(c.get_offsets()) for c in ax.collections)
    n_tier = cov.facilities["tier"].value_counts().sort_values().tolist()
    assert sizes == sorted([*n_tier, len(run.recommendation.ranking)])
    texts = {t_.get_text() for t_ in ax.texts}
    assert {"1", "2", "3"} <= texts  # ranks on the sites


def test_travel_time_distribution_agrees_with_the_summary(sample):
    run, _ = sample
    cov = run.coverage
    fig = figures.travel_time_distribution(cov, lang="en")
    left, right = fig.axes
    heights = np.array([p.get_height() for p in left.patches])
    m = cov.cells[f"minutes_{cov.levels[0].name}"].to_numpy()
    pop = cov.cells["pop"].to_numpy()
    # every on-network person is in one bar (the last bin also holds the tail)
    assert heights.sum() == pytest.approx(pop[np.isfinite(m)].sum(), rel=1e-9)
    # the first 15 one-minute bars hold exactly the people within 15 minutes
    assert heights[:15].sum() == pytest.approx(
        cov.summary["levels"][cov.levels[0].name]["covered_population"], rel=1e-9
    )
    # the marked point on each cumulative curve is that level's covered share
    dots = [ln for ln in right.lines if ln.get_marker() == "o"]
    assert len(dots) == len(cov.levels)
    for ln, lv in zip(dots, cov.levels, strict=True):
        x, y = ln.get_data()
        assert x[0] == lv.minutes
        assert y[0] == pytest.approx(100 * cov.summary["levels"][lv.name]["covered_share"])
    curves = [ln for ln in right.lines if ln.get_marker() in ("None", "", None)]
    for ln in curves[: len(cov.levels)]:
        y = np.asarray(ln.get_ydata())
        assert (np.diff(y) >= -1e-12).all()  # cumulative: never falls
        assert y.max() <= 100.0 + 1e-9


def test_write_figures_gives_valid_reproducible_pngs(sample, tmp_path):
    run, out = sample
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        d.mkdir()
        written = figures.write_figures(
            d, run.coverage, run.recommendation, boundary=run.boundary, zones=run.zones
        )
        assert sorted(written) == sorted(figures.FIGURE_FILES.values())
    for name in figures.FIGURE_FILES.values():
        data = (a / name).read_bytes()
        assert data.startswith(PNG)
        assert 10_000 < len(data) < 1_500_000
        assert data == (b / name).read_bytes(), f"{name} differs between two runs"
        assert data == (out / name).read_bytes()  # the pipeline wrote the same figure


def test_no_recommendation_no_curve(sample, tmp_path):
    run, _ = sample
    written = figures.write_figures(tmp_path, run.coverage, None, lang="en")
    assert sorted(written) == ["coverage_map.png", "travel_time_distribution.png"]


def test_chinese_labels_fall_back_to_english_without_a_cjk_font(sample, monkeypatch):
    run, _ = sample
    monkeypatch.setattr(figures, "cjk_font", lambda: None)
    fig = figures.travel_time_distribution(run.coverage, lang="zh")
    assert not has_cjk_text(fig)
    assert "minutes to the nearest facility" in fig.axes[0].get_xlabel()


def test_chinese_labels_with_a_cjk_font(sample):
    if figures.cjk_font() is None:
        pytest.skip("no CJK font installed for matplotlib (e.g. fonts-noto-cjk); labels fall back")
    run, _ = sample
    fig = figures.travel_time_distribution(run.coverage, lang="zh")
    assert fig.axes[0].get_xlabel() == "到最近医疗机构的时间（分钟）"


def test_names_and_labels_are_drawn_as_plain_text(hostile, pwned, tmp_path):
    """The figures take names and labels as text: the template probe stays literal."""
    run, _ = hostile
    cov, rec = run.coverage, run.recommendation
    levels = tuple(dataclasses.replace(lv, label=f"{lv.name} {HOSTILE_JINJA}") for lv in cov.levels)
    cov = dataclasses.replace(
        cov, config=dataclasses.replace(cov.config, levels=levels), levels=levels
    )
    figs = [
        figures.coverage_map(cov, rec, boundary=run.boundary, zones=run.zones, lang="en"),
        figures.travel_time_distribution(cov, lang="en"),
    ]
    texts = [t.get_text() for fig in figs for t in fig.findobj(Text)]
    assert any(HOSTILE_JINJA in t for t in texts)  # the level labels, as given
    for i, fig in enumerate(figs):
        assert figures.save_png(fig, tmp_path / f"{i}.png").read_bytes().startswith(PNG)
    assert not any(JINJA_EVALUATED in t for t in texts)
    assert not pwned.exists()


@pytest.mark.parametrize("label", [r"cost $5 or $\frac", "$x^2$", "$$", "a$"])
def test_dollar_signs_in_labels_are_text_not_mathtext(sample, tmp_path, label):
    run, _ = sample
    cov, rec = run.coverage, run.recommendation
    levels = tuple(dataclasses.replace(lv, label=label) for lv in cov.levels)
    cov = dataclasses.replace(
        cov, config=dataclasses.replace(cov.config, levels=levels), levels=levels
    )
    figs = [
        figures.coverage_map(cov, rec, boundary=run.boundary, zones=run.zones, lang="en"),
        figures.travel_time_distribution(cov, lang="en"),
    ]
    for i, fig in enumerate(figs):  # a broken formula would raise ValueError here
        assert figures.save_png(fig, tmp_path / f"{i}.png").read_bytes().startswith(PNG)
    texts = [t for fig in figs for t in fig.findobj(Text)]
    drawn = [t for t in texts if "$" in t.get_text()]
    assert drawn  # the label is drawn, with its dollar signs escaped
    for t in drawn:
        assert t.get_text().count("$") == t.get_text().count(r"\$")


@pytest.mark.parametrize("minutes", [100.0, 600.0, 1440.0])
def test_a_threshold_beyond_the_axis_keeps_the_figure_inside(sample, minutes, recwarn):
    run, _ = sample
    cov = run.coverage
    levels = (dataclasses.replace(cov.levels[0], minutes=minutes), *cov.levels[1:])
    cov = dataclasses.replace(
        cov, config=dataclasses.replace(cov.config, levels=levels), levels=levels
    )
    fig = figures.travel_time_distribution(cov, lang="en")
    assert not [w for w in recwarn if "tight_layout" in str(w.message).lower()]
    fig.canvas.draw()
    box = fig.bbox
    for t in fig.axes[0].texts:  # every text of the histogram lies on the figure
        ext = t.get_window_extent()
        assert box.x0 - 1 <= ext.x0, t.get_text()
        assert ext.x1 <= box.x1 + 1, t.get_text()
