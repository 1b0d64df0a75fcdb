"""FID / KID / precision–recall / classifier score through torch-fidelity with divgan's extractors."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch
import torch_fidelity
from evaluator_helpers import HAVE_MNIST, SHARED_DATA, cache_root, one_thread, trained_evaluator

from divgan.errors import DivganError
from divgan.metrics._extractors import EvaluatorFeatures, registered
from divgan.metrics.features import compute


def closed_form_fid(mu1, cov1, mu2, cov2) -> float:
    covmean = scipy.linalg.sqrtm(cov1 @ cov2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(cov1 + cov2 - 2 * covmean))


def as_images(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(len(x), -1, 1, 1)  # feature vectors as 1×1 "images" for divgan-pixels


@pytest.fixture
def cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DIVGAN_CACHE", str(cache_root(tmp_path_factory)))


@pytest.fixture(scope="module")
def digits():
    from divgan.evaluator import labelled_images

    x, _ = labelled_images("digits", "train")
    return x


def test_extractors_are_registered_in_torch_fidelity():
    assert registered() is torch_fidelity
    reg = torch_fidelity.registry.FEATURE_EXTRACTORS_REGISTRY
    assert reg["divgan-mnist"] is EvaluatorFeatures and "divgan-pixels" in reg and "divgan-digits" in reg


def test_fid_matches_closed_form_for_gaussian_features():
    g = torch.Generator().manual_seed(0)
    d, n = 4, 20_000
    a1, a2 = torch.randn(d, d, generator=g, dtype=torch.float64), torch.randn(d, d, generator=g, dtype=torch.float64)
    mu1, mu2 = torch.zeros(d, dtype=torch.float64), torch.tensor([1.0, -0.5, 0.0, 2.0], dtype=torch.float64)
    x = torch.randn(n, d, generator=g, dtype=torch.float64) @ a1.T + mu1
    y = torch.randn(n, d, generator=g, dtype=torch.float64) @ a2.T + mu2
    fid = compute(as_images(x), as_images(y), "divgan-pixels", ("fid",))["fid"]
    # exactly the Fréchet distance of the sample moments ...
    sample = closed_form_fid(x.mean(0).numpy(), np.cov(x.numpy(), rowvar=False), y.mean(0).numpy(), np.cov(y.numpy(), rowvar=False))
    assert fid == pytest.approx(sample, rel=1e-6)
    # ... and close to the population value
    pop = closed_form_fid(mu1.numpy(), (a1 @ a1.T).numpy(), mu2.numpy(), (a2 @ a2.T).numpy())
    assert fid == pytest.approx(pop, rel=0.05)


def test_fid_near_zero_on_two_halves_and_monotone_in_noise(digits):
    a, b = digits[: len(digits) // 2].float() / 127.5 - 1, digits[len(digits) // 2:].float() / 127.5 - 1
    g = torch.Generator().manual_seed(1)
    fids = []
    for sigma in (0.0, 0.1, 0.2, 0.4, 0.8):
        noisy = (b + sigma * torch.randn(b.shape, generator=g)).clamp(-1, 1)
        fids.append(compute(noisy, a, "divgan-pixels", ("fid",))["fid"])
    assert fids[0] < 0.05 * fids[-1]  # near 0 on the scale of the noise effect (finite-sample bias only)
    assert all(x < y for x, y in zip(fids, fids[1:])), fids


def test_kid_is_unbiased_near_zero_for_the_same_distribution():
    g = torch.Generator().manual_seed(2)
    x, y = torch.randn(2000, 8, generator=g), torch.randn(2000, 8, generator=g)
    same = compute(as_images(x), as_images(y), "divgan-pixels", ("kid",), kid_subsets=10)
    shifted = compute(as_images(x), as_images(y + 0.5), "divgan-pixels", ("kid",), kid_subsets=10)
    assert abs(same["kid"]) < same["kid_std"]  # unbiased: 0 within the spread of the subset estimates
    assert shifted["kid"] > 20 * (abs(same["kid"]) + same["kid_std"])


def test_inception_errors_are_one_clear_line(monkeypatch, tmp_path):
    x = torch.zeros(4, 1, 8, 8)
    with pytest.raises(DivganError, match="weights not found"):
        compute(x, x, "inception-v3-compat", ("fid",), weights=tmp_path / "none.pth")
    import torch_fidelity.feature_extractor_inceptionv3 as inc

    def offline(*a, **k):
        raise OSError("network is unreachable")

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.delenv("DIVGAN_INCEPTION_WEIGHTS", raising=False)
    monkeypatch.setattr(inc, "load_state_dict_from_url", offline)
    with pytest.raises(DivganError, match="--inception-weights"):
        compute(x, x, "inception-v3-compat", ("fid",))


def test_digits_evaluator_features_separate_noise_levels(tmp_path_factory, cache, digits):
    trained_evaluator(tmp_path_factory, "digits")
    a, b = digits[: len(digits) // 2], digits[len(digits) // 2:].float() / 127.5 - 1
    g = torch.Generator().manual_seed(3)
    with one_thread():
        fids = [compute((b + s * torch.randn(b.shape, generator=g)).clamp(-1, 1), a, "divgan-digits", ("fid",))["fid"]
                for s in (0.0, 0.3, 0.6)]
    assert fids[0] < fids[1] < fids[2], fids


def test_stacked_images_give_joint_logits(tmp_path_factory, cache):
    trained_evaluator(tmp_path_factory, "digits")
    fe = EvaluatorFeatures("divgan-digits", ["features", "logits"])
    feats, logits = fe(torch.zeros(5, 3, 8, 8, dtype=torch.uint8))
    assert feats.shape == (5, 3 * 128) and logits.shape == (5, 1000)
    assert torch.allclose(logits.exp().sum(1), torch.ones(5), atol=1e-4)


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_MNIST, reason="needs ../shared/data/MNIST")
def test_mnist_reference_real_vs_collapsed(tmp_path_factory, cache):
    from divgan.evaluator import labelled_images, load_evaluator
    from divgan.metrics.classes import class_stats

    trained_evaluator(tmp_path_factory, "mnist")
    train, _ = labelled_images("mnist", "train", SHARED_DATA)
    test, ytest = labelled_images("mnist", "test", SHARED_DATA)
    train, test = train[-2000:], test[:2000]
    one = test[ytest[:2000] == 3][:1].expand(2000, -1, -1, -1)
    with one_thread():
        real = compute(test, train, "divgan-mnist", ("fid", "kid", "prc", "isc"))
        collapsed = compute(one, train, "divgan-mnist", ("fid", "kid", "prc", "isc"))
        ev = load_evaluator("mnist")
        assert class_stats(ev.predict(test), 10)["classes_covered"] == 10
        assert class_stats(ev.predict(one), 10)["classes_covered"] == 1
    assert real["fid"] < 0.05 * collapsed["fid"]
    assert real["recall"] > 0.5 and collapsed["recall"] < 0.05
    assert real["is"] > 7 and collapsed["is"] == pytest.approx(1.0, abs=1e-6)
