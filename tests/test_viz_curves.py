"""The curves figure draws the protocol's metrics first (modes, % high quality, KL) and writes a PNG
that is a grid of panels (at most 3 across), not a strip."""
import matplotlib.image

from divgan.viz import curves


def test_curves_pick_protocol_metrics_first(tmp_path, monkeypatch):
    drawn = []
    real_subplots = curves.plt.subplots

    def spy(nrows, ncols, **kw):
        drawn.append((nrows, ncols))
        return real_subplots(nrows, ncols, **kw)

    monkeypatch.setattr(curves.plt, "subplots", spy)
    rows = [{"step": s, "aaa": 1.0, "jsd": 0.5, "modes": 3, "modes_total": 8, "high_quality": 50.0, "kl_uniform": 0.1,
             "kl_pq": 1.0, "kl_qp": 2.0, "value": -1.0} for s in (10, 20)]
    out = curves.plot_curves({"d_loss": [1.0] * 50, "g_loss": [0.5] * 50}, rows, tmp_path / "c.png")
    assert out.stat().st_size > 1000
    (nrows, ncols), = drawn
    assert ncols <= 3 and (nrows - 1) * ncols < 1 + curves.MAX_PANELS <= nrows * ncols  # 'aaa' and 'value' are past the cap


def test_seven_panels_make_a_legible_grid(tmp_path):
    """Losses + 6 metrics: 3 columns × 3 rows, about 1100×800 px (it was a 2520×270 strip)."""
    rows = [{"step": s, **{f"m{i}": float(i) for i in range(6)}} for s in (10, 20)]
    out = curves.plot_curves({"d_loss": [1.0] * 50}, rows, tmp_path / "c.png")
    h, w = matplotlib.image.imread(out).shape[:2]
    assert 800 <= w <= 1400 and 500 <= h <= 1000
    assert 0.5 <= h / w <= 1.2
