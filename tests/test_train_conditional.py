"""Conditional runs through the training core, the driver and the commands: cGAN (concat, projection),
AC-GAN and InfoGAN train and resume bitwise; labels stay aligned with the examples through resume;
per-class sampling from the API and the CLI; bad input is one line (exit 2); unconditional runs draw
no label."""
import numpy as np
import pytest
import torch
from PIL import Image

import divgan
from divgan.data.images import to_float
from divgan.train.trainer import Trainer

RING = ["train.batch_size=32", "eval.every=2", "eval.n_samples=64", "train.progress=false", "train.checkpoint_every=2",
        "generator.hidden=[16,16]", "discriminator.hidden=[16,16]", "train.threads=1"]
DIGITS = ["train.batch_size=8", "eval.every=2", "eval.n_samples=20", "eval.grid_size=20", "train.progress=false",
          "train.checkpoint_every=2", "generator.width=8", "discriminator.width=8", "train.threads=1", "eval.metrics=[]"]
INFOGAN = DIGITS + ["data.name=digits", "data.size=16", "generator.latent_dim=6",
                    "generator.codes={categorical: [3], continuous: 1, weight: 1.0, weight_continuous: 0.1}",
                    "generator.fc=16", "discriminator.fc=16"]
GOODFELLOW = ["data={name: digits, size: 16}", "generator.latent_dim=4", "generator.hidden=[16]", "discriminator.units=[8]",
              "discriminator.pieces=2", "train.batch_size=8", "eval.every=2", "eval.n_samples=20", "eval.grid_size=20",
              "train.progress=false", "train.checkpoint_every=2", "train.threads=1", "eval.metrics=[]"]
CASES = {
    "ring-cgan": ("ring-cgan", RING),
    "digits-cgan": ("digits-cgan", DIGITS),
    "digits-projection": ("digits-cgan", DIGITS + ["generator.conditioning=projection", "discriminator.conditioning=projection"]),
    "digits-acgan": ("digits-cgan", DIGITS + ["generator.conditioning=acgan", "discriminator.conditioning=acgan"]),
    "digits-infogan-reuse": ("mnist-infogan", INFOGAN),
    "digits-infogan": ("mnist-infogan", INFOGAN + ["train.reuse_fake=false"]),
    "digits-goodfellow-infogan": ("mnist-goodfellow-adam", GOODFELLOW + ["generator.codes={categorical: [3], weight: 1.0}"]),
    "digits-goodfellow-cgan": ("mnist-goodfellow-adam", GOODFELLOW + ["generator.conditioning=concat", "discriminator.conditioning=concat"]),
}


def quiet(*_):
    pass


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def cli(capsys):
    """``divgan ARGS`` in this process (the same ``main`` as the console script; a subprocess would
    spend most of its time importing torch)."""
    from divgan.commands import main

    def run(*args):
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return run


@pytest.fixture(scope="module")
def ring_cgan(tmp_path_factory):
    out = tmp_path_factory.mktemp("cond") / "ring-cgan"
    divgan.train("ring-cgan", out=out, overrides=RING + ["train.steps=4"], log=quiet)
    return out


@pytest.fixture(scope="module")
def digits_cgan(tmp_path_factory):
    out = tmp_path_factory.mktemp("cond") / "digits-cgan"
    divgan.train("digits-cgan", out=out, overrides=DIGITS + ["train.steps=2"], log=quiet)
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_conditional_runs_train_and_resume_bitwise(tmp_path, case):
    preset, over = CASES[case]
    full = divgan.train(preset, out=tmp_path / "full", overrides=over + ["train.steps=4"], log=quiet)
    divgan.train(preset, out=tmp_path / "half", overrides=over + ["train.steps=2"], log=quiet)
    resumed = divgan.resume(tmp_path / "half", ["train.steps=4"], log=quiet)
    a, b = full.trainer, resumed.trainer
    assert a.losses == b.losses and all(map(np.isfinite, a.losses["d_loss"]))
    for m in ("G", "D"):
        sa, sb = getattr(a, m).state_dict(), getattr(b, m).state_dict()
        assert all(torch.equal(sa[k], sb[k]) for k in sa)
    if "acgan" in case or "infogan" in case:  # the auxiliary heads were trained
        head = a.D.aux
        assert any(not torch.equal(p, q) for p, q in zip(head.parameters(), Trainer(a.cfg, log=quiet).D.aux.parameters()))


def test_auxiliary_terms_join_the_discriminator_loss():
    """The AC-GAN D loss is the adversarial loss plus the classifier's cross-entropy on reals and fakes."""
    cfg = divgan.load_config("digits-cgan", DIGITS + ["generator.conditioning=acgan", "discriminator.conditioning=acgan",
                                                       "discriminator.aux_weight=0.5", "train.precision=fp32"])
    t = Trainer(cfg, log=quiet)
    state, data_state = t.gen.get_state(), t.data.state_dict()
    real, y_real = t.real_labelled()
    fake = t.fakes(real.shape[0], real)
    (d_real, aux_real), (d_fake, aux_fake) = t.critique(real, y_real), t.critique(fake.x.detach(), fake.y)
    ce = torch.nn.functional.cross_entropy
    expected = t.objective.d_loss(d_real, d_fake, 1.0) + 0.5 * (ce(aux_real.class_logits, y_real) + ce(aux_fake.class_logits, fake.y))
    t.gen.set_state(state)
    t.data.load_state_dict(data_state)
    loss, _ = t.d_step()  # same draws (the D step updates D only after computing its loss)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_labels_stay_aligned_with_images_through_resume(tmp_path):
    over = DIGITS + ["train.steps=2"]
    divgan.train("digits-cgan", out=tmp_path / "run", overrides=over, log=quiet)
    t = divgan.resume(tmp_path / "run", ["train.steps=3"], log=quiet).trainer
    ds = t.data
    images = to_float(ds.images).reshape(len(ds.images), -1)
    for _ in range(3):
        x, y = t.real_labelled(16)
        idx = torch.cdist(x.reshape(16, -1).float(), images.float()).argmin(1)
        assert torch.equal(torch.as_tensor(ds.labels).long()[idx], y)


def test_toy_labels_are_the_components_asked_for():
    t = Trainer(divgan.load_config("ring-cgan", RING), log=quiet)
    x, y = t.real_labelled(200)
    assert torch.equal(torch.cdist(x.double(), t.data.means).argmin(1), y)
    assert torch.equal(t.fixed_y[:10], torch.tensor([0, 1, 2, 3, 4, 5, 6, 7, 0, 1]))


def test_unconditional_run_draws_no_label():
    t = Trainer(divgan.load_config("ring", RING), log=quiet)
    state = t.gen.get_state()
    assert t.labels(5) is None and t.fixed_y is None and not t.conditional
    assert torch.equal(t.gen.get_state(), state)
    with pytest.raises(divgan.DivganError, match="unconditional"):
        t.sample(4, labels=[1])


def test_conditional_sample_is_G_of_z_and_the_asked_label(ring_cgan):
    t = divgan.load_trainer(ring_cgan)
    z = torch.randn(6, t.G.latent_dim, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        direct = t.G(z, torch.full((6,), 3))
    assert torch.allclose(t.sample(6, z=z, labels=[3]), direct)
    assert not torch.allclose(t.sample(6, z=z, labels=[4]), direct)
    assert torch.equal(t.asked_labels(10), torch.arange(10) % 8)
    x = divgan.sample(ring_cgan, 6, labels=3, seed=5)
    assert torch.equal(x, divgan.sample(ring_cgan, 6, labels=[3], seed=5))


def test_cli_sample_class_and_classes(cli, ring_cgan, tmp_path):
    r = cli("sample", str(ring_cgan), "--n", "12", "--class", "3", "--out", str(tmp_path / "a.npy"), "--seed", "5")
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.load(tmp_path / "a_labels.npy"), np.full(12, 3))
    assert np.allclose(np.load(tmp_path / "a.npy"), divgan.sample(ring_cgan, 12, labels=3, seed=5).numpy())
    r = cli("sample", str(ring_cgan), "--n", "5", "--classes", "0,2", "--out", str(tmp_path / "b.npy"))
    assert r.returncode == 0, r.stderr
    assert np.load(tmp_path / "b_labels.npy").tolist() == [0, 2, 0, 2, 0]


def test_cli_png_of_a_conditional_image_run_has_one_row_per_class(cli, digits_cgan, tmp_path):
    r = cli("sample", str(digits_cgan), "--n", "20", "--out", str(tmp_path / "g.png"))
    assert r.returncode == 0, r.stderr
    w, h = Image.open(tmp_path / "g.png").size
    assert h == pytest.approx(5 * w, rel=0.05)  # 10 rows (classes) of 2 images
    grid = Image.open(digits_cgan / "samples" / "final.png").size  # eval.grid_size=20: 10 rows of 2
    assert grid[1] == pytest.approx(5 * grid[0], rel=0.05)


@pytest.mark.parametrize("args, fragment", [
    (["--class", "8"], "class 8 is out of range: this run knows classes 0..7"),
    (["--classes", "1,x"], "--classes"),
    (["--class", "1", "--classes", "2"], "not both"),
])
def test_cli_bad_class_is_one_line(cli, ring_cgan, tmp_path, args, fragment):
    r = cli("sample", str(ring_cgan), "--n", "3", "--out", str(tmp_path / "x.npy"), *args)
    assert r.returncode == 2 and fragment in r.stderr and r.stderr.strip().count("\n") == 0


def test_cli_class_on_an_unconditional_run_is_one_line(cli, tiny_run, tmp_path):
    r = cli("sample", str(tiny_run), "--n", "3", "--class", "1", "--out", str(tmp_path / "x.npy"))
    assert r.returncode == 2 and "unconditional" in r.stderr and r.stderr.strip().count("\n") == 0


def test_conditional_preset_on_unlabelled_data_is_one_line(cli, tmp_path):
    (tmp_path / "imgs").mkdir()
    for i in range(4):
        Image.fromarray(np.full((16, 16), 60 * i, np.uint8)).save(tmp_path / "imgs" / f"{i}.png")
    r = cli("train", "digits-cgan", "--out", str(tmp_path / "run"), "--set", "data={name: folder, channels: 1, workers: 0}",
            "--set", f"data.root={tmp_path / 'imgs'}")
    assert r.returncode == 2 and "needs a dataset with labels" in r.stderr and r.stderr.strip().count("\n") == 0
    assert not (tmp_path / "run").exists()


def test_one_conditional_player_is_one_line():
    with pytest.raises(divgan.DivganError, match="must both be none or both set"):
        Trainer(divgan.load_config("ring-cgan", RING + ["discriminator.conditioning=none"]), log=quiet)


def test_interpolate_along_an_infogan_code(cli, tmp_path):
    out = tmp_path / "info"
    divgan.train("mnist-infogan", out=out, overrides=INFOGAN + ["train.steps=1"], log=quiet)
    r = cli("interpolate", str(out), "--code", "0", "--rows", "2", "--out", str(tmp_path / "c0.png"))
    assert r.returncode == 0, r.stderr
    w, h = Image.open(tmp_path / "c0.png").size
    assert w == pytest.approx(1.5 * h, rel=0.05)  # 2 rows × the 3 values of the categorical code
    r = cli("interpolate", str(out), "--code", "2", "--out", str(tmp_path / "c2.png"))
    assert r.returncode == 2 and "this generator has 2 codes" in r.stderr


def test_interpolate_walks_between_draws_of_an_infogan_prior(tmp_path, monkeypatch):
    """A plain walk on an InfoGAN run starts and ends at z the generator was trained on: each
    categorical code one-hot, not N(0, I) over the whole z."""
    import divgan.analysis.walks as walks
    from divgan.commands import main

    out = tmp_path / "info"
    divgan.train("mnist-infogan", out=out, overrides=INFOGAN + ["train.steps=1"], log=quiet)
    seen = []
    monkeypatch.setattr(walks, "walk_grid", lambda trainer, a, b, *args, **kw: seen.extend([a, b]))
    monkeypatch.setattr(walks, "walk_gif", lambda trainer, keys, *args, **kw: seen.append(keys.reshape(-1, keys.shape[-1])))
    assert main(["interpolate", str(out), "--rows", "3", "--keys", "2", "--out", str(tmp_path / "w.png")]) == 0
    codes = divgan.api.load_trainer(out).G.codes
    assert len(seen) == 3
    for z in seen:
        start = codes.noise_dim
        for k in codes.spec.categorical:
            onehot = z[:, start:start + k]
            assert torch.equal(onehot.sum(1), torch.ones(len(z))) and set(onehot.unique().tolist()) == {0.0, 1.0}
            start += k


@pytest.mark.parametrize("name, shape, classes", [("mnist-cgan", (1, 28, 28), 10), ("fashion-acgan", (1, 28, 28), 10),
                                                  ("digits-cgan", (1, 16, 16), 10), ("mnist-infogan", (1, 28, 28), None),
                                                  ("ring-cgan", (2,), 8)])
def test_conditional_presets_build_with_their_data(name, shape, classes):
    from divgan.config import load_raw
    from divgan.models import build_discriminator, build_generator

    cfg = divgan.load_config(name)
    assert load_raw(name).get("description")
    G = build_generator(cfg.generator, shape, num_classes=classes)
    D = build_discriminator(cfg.discriminator, shape, num_classes=classes, codes=G.codes.spec if G.codes else None)
    G.eval()
    D.eval()
    z = torch.randn(4, G.latent_dim)
    y = None if classes is None else torch.arange(4) % classes
    with torch.no_grad():
        x = G(z) if y is None else G(z, y)
        assert x.shape == (4, *shape) and D(x, y).shape == (4,)
    assert (G.codes is not None) == (name == "mnist-infogan") and D.has_aux == (name in ("fashion-acgan", "mnist-infogan"))
