"""LAPGAN: the pyramid reconstructs exactly, packing is lossless, levels are independent GANs
conditioned on the real coarser image, coarse-to-fine sampling, and a tiny training run with its
chain figure."""
import pytest
import torch

import divgan
from divgan.errors import DivganError
from divgan.models import build_discriminator, build_generator
from divgan.models.lapgan import gaussian_pyramid, laplacian_pyramid, pack, reconstruct, unpack, upsample


@pytest.mark.parametrize("levels", [1, 2, 3, 4])
def test_pyramid_reconstructs_exactly(levels):
    x = torch.rand(3, 2, 32, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 2 - 1
    pyr = laplacian_pyramid(x, levels)
    assert [p.shape[-1] for p in pyr] == [32 // 2**k for k in range(levels)]
    assert (reconstruct(pyr) - x).abs().max() < 1e-12  # exact up to float64 rounding
    x32 = x.float()
    assert torch.allclose(reconstruct(laplacian_pyramid(x32, levels)), x32, atol=1e-6, rtol=0)


def test_band_pass_levels_hold_detail_only():
    x = torch.full((1, 1, 16, 16), 0.3)  # a constant image has no detail at any level
    pyr = laplacian_pyramid(x, 3)
    assert all(h.abs().max() < 1e-6 for h in pyr[:-1]) and torch.allclose(pyr[-1], x[..., :4, :4])


def test_pack_unpack_is_exact():
    parts = [torch.randn(2, 2, 32 // 2**k, 32 // 2**k) for k in range(3)]
    back = unpack(pack(parts), [2, 2, 2])
    assert all(torch.equal(a, b) for a, b in zip(parts, back))


def _pair(levels=3, shape=(1, 32, 32)):
    torch.manual_seed(0)
    G = build_generator({"name": "lapgan", "levels": levels, "latent_dim": 8, "noise_dim": 4, "width": 8, "coarse_hidden": [16]}, shape)
    D = build_discriminator({"name": "lapgan", "levels": levels, "width": 8, "coarse_hidden": [16]}, shape)
    return G, D


def test_shapes_sampling_and_training_view():
    G, D = _pair()
    assert G.conditional and G.latent_dim == 8 + 2 * 4
    z, real = torch.randn(5, G.latent_dim), torch.rand(5, 1, 32, 32) * 2 - 1
    chain = G.chain(z)
    assert [c.shape[-1] for c in chain] == [8, 16, 32]
    G.eval()
    assert torch.allclose(G(z), G.chain(z)[-1])
    fake = G(z, real)
    assert fake.shape == D.view(real).shape == (5, 5, 32, 32)
    assert D(fake).shape == D(real).shape == (15,)  # one logit per level and sample
    out, feats = D(real, with_features=True)
    assert feats.shape == (5, D.feature_dim)
    # each conditional level sees the real coarser image, exactly as the real view does
    lows_fake, lows_real = unpack(fake, D.split), unpack(D.view(real), D.split)
    for k in range(2):
        assert torch.equal(lows_fake[k][:, 1:], lows_real[k][:, 1:])
        assert torch.allclose(lows_real[k][:, 1:], upsample(gaussian_pyramid(real, 3)[k + 1]))


def test_levels_are_independent_gans():
    G, D = _pair()
    z, real = torch.randn(4, G.latent_dim), torch.rand(4, 1, 32, 32)
    n = 4
    D(G(z, real))[n:2 * n].sum().backward()  # level 1's logits only
    touched = {".".join(name.split(".")[:2]) for name, p in G.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0}
    assert touched == {"cond.1"}  # only level 1's generator: not the coarse G, not level 0


def test_bad_size_is_clear():
    with pytest.raises(DivganError, match="divides by 4"):
        build_generator({"name": "lapgan", "levels": 3}, (1, 30, 30))


@pytest.mark.slow
def test_lapgan_trains_on_digits_and_writes_the_chain(tmp_path):
    out = tmp_path / "run"
    divgan.train("mnist-lapgan", out=out, log=lambda m: None, overrides=[
        "data={name: digits, size: 16}", "train.steps=4", "train.batch_size=16", "eval.every=4", "eval.n_samples=16",
        "eval.grid_size=8", "train.progress=false", "eval.metrics=[]", "generator.width=8", "discriminator.width=8"])
    assert (out / "samples" / "chain.png").is_file() and (out / "samples" / "final.png").is_file()
