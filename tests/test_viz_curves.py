"""The curves figure draws the protocol's metrics first (modes, % high quality, KL) and writes a PNG."""
from divgan.viz import curves


def test_curves_pick_protocol_metrics_first(tmp_path, monkeypatch):
    drawn = []
    real_subplots = curves.plt.subplots

    def spy(nrows, ncols, **kw):
        drawn.append(ncols)
        return real_subplots(nrows, ncols, **kw)

    monkeypatch.setattr(curves.plt, "subplots", spy)
    rows = [{"step": s, "aaa": 1.0, "jsd": 0.5, "modes": 3, "modes_total": 8, "high_quality": 50.0, "kl_uniform": 0.1,
             "kl_pq": 1.0, "kl_qp": 2.0, "value": -1.0} for s in (10, 20)]
    out = curves.plot_curves({"d_loss": [1.0] * 50, "g_loss": [0.5] * 50}, rows, tmp_path / "c.png")
    assert out.stat().st_size > 1000
    assert drawn == [1 + curves.MAX_PANELS]  # 'aaa' and 'value' are past the cap; modes_total is never drawn
