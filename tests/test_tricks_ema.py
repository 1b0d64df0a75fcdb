"""Generator EMA: the closed-form running average, the start step, sampling uses it, exact resume."""
import torch
from tricks_helpers import resumes_exactly, run_steps, tiny_trainer


def test_ema_equals_the_closed_form_running_average():
    beta, start, steps = 0.9, 2, 6
    t = tiny_trainer(f"tricks.ema.decay={beta}", f"tricks.ema.start={start}")
    history = []
    for _ in range(steps):
        t.train_step()
        history.append([p.detach().clone() for p in t.G.parameters()])
    # θ̄ = θ_{start-1}... : before `start` θ̄ copies θ; then θ̄_t = β θ̄_{t−1} + (1 − β) θ_t, i.e. in closed form
    # θ̄_T = β^(T−s+1) θ_{s−1} + Σ_{t=s}^{T} (1 − β) β^(T−t) θ_t  (steps counted from 0, s = start)
    T = steps - 1
    for i, avg in enumerate(t.tricks.active["ema"].G.parameters()):
        want = beta ** (T - start + 1) * history[start - 1][i]
        want = want + sum((1 - beta) * beta ** (T - k) * history[k][i] for k in range(start, steps))
        assert torch.allclose(avg, want, atol=1e-6)


def test_sampling_uses_the_average_unless_told_not_to():
    t = run_steps(tiny_trainer("tricks.ema.decay=0.99"), 3)
    z = torch.randn(5, 2)
    with torch.no_grad():
        assert torch.allclose(t.sample(5, z=z), t.tricks.active["ema"].G(z))
        assert not torch.allclose(t.sample(5, z=z), t.G(z))
    t2 = run_steps(tiny_trainer("tricks.ema.decay=0.99", "tricks.ema.sample=false"), 3)
    with torch.no_grad():
        assert torch.allclose(t2.sample(5, z=z), t2.G(z))


def test_ema_resumes_bit_exactly():
    resumes_exactly("tricks.ema.decay=0.9", "generator.batch_norm=true", steps=5)
    a = run_steps(tiny_trainer("tricks.ema.decay=0.9"), 4)
    b = tiny_trainer("tricks.ema.decay=0.9")
    b.load_state_dict(a.state_dict())
    assert all(torch.equal(x, y) for x, y in zip(a.tricks.active["ema"].G.state_dict().values(),
                                                 b.tricks.active["ema"].G.state_dict().values()))


def test_ema_composes_with_objectives_and_a_lecture_trick():
    for objective in ("least_squares", "hinge"):
        t = run_steps(tiny_trainer("tricks.ema.decay=0.9", f"objective.name={objective}", "tricks.feature_matching.mode=add"), 2)
        assert t.sample(4).shape == (4, 2)


def test_a_saved_run_samples_with_the_average(tmp_path):
    import divgan

    run = divgan.train("ring-vanilla", out=tmp_path / "run", log=lambda m: None, overrides=[
        "tricks.ema.decay=0.9", "train.steps=4", "eval.every=4", "eval.n_samples=50", "train.progress=false",
        "generator.hidden=[8]", "discriminator.hidden=[8]", "train.batch_size=16"])
    G = divgan.load(tmp_path / "run")
    z = torch.randn(3, 2)
    with torch.no_grad():
        assert torch.equal(G(z), run.trainer.tricks.active["ema"].G(z))
        assert not torch.equal(G(z), run.trainer.G(z))
