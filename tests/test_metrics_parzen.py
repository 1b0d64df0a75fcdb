"""Parzen-window log-likelihood (Goodfellow et al. 2014 protocol)."""
from __future__ import annotations

import math

import pytest
import torch

from divgan.metrics.parzen import SIGMAS, parzen, parzen_log_likelihood


def test_log_likelihood_matches_the_mixture_density():
    g = torch.Generator().manual_seed(0)
    centres, x = torch.rand(50, 3, generator=g, dtype=torch.float64), torch.rand(7, 3, generator=g, dtype=torch.float64)
    got = parzen_log_likelihood(x, centres, [0.1, 0.3], batch=3)
    for k, s in enumerate((0.1, 0.3)):
        comp = torch.distributions.Normal(centres, s).log_prob(x[:, None, :]).sum(-1)  # 7×50
        want = torch.logsumexp(comp, 1) - math.log(50)
        assert torch.allclose(got[k], want, atol=1e-9)


def test_sigma_is_chosen_on_validation_and_reported_with_standard_error():
    g = torch.Generator().manual_seed(1)
    # "images" in [-1, 1] whose pixels are N(0, 0.3²) around 0: the best window is neither extreme
    data = lambda n: (0.3 * torch.randn(n, 1, 4, 4, generator=g)).clamp(-1, 1)
    samples, valid, test = data(3000), data(300), data(500)
    out = parzen(samples, valid, test)
    flat = lambda x: ((x.double() + 1) / 2).flatten(1)
    lls = parzen_log_likelihood(flat(valid), flat(samples), SIGMAS).mean(1)
    assert out["parzen_sigma"] == SIGMAS[int(lls.argmax())]
    assert SIGMAS[0] < out["parzen_sigma"] < SIGMAS[-1]
    ll = parzen_log_likelihood(flat(test), flat(samples), [out["parzen_sigma"]])[0]
    assert out["parzen_ll"] == pytest.approx(float(ll.mean()))
    assert out["parzen_se"] == pytest.approx(float(ll.std() / math.sqrt(len(ll))))


def test_collapsed_samples_score_far_lower_than_real_ones():
    from divgan.evaluator import labelled_images

    x, _ = labelled_images("digits", "train")
    samples, valid, test = x[:800], x[800:1000], x[1000:1400]
    real = parzen(samples, valid, test)
    collapsed = parzen(samples[:1].expand(800, -1, -1, -1), valid, test)
    assert real["parzen_ll"] > collapsed["parzen_ll"] + 10 * (real["parzen_se"] + collapsed["parzen_se"])


def test_validation_is_held_out_from_training_under_data_limit(monkeypatch):
    """With data.limit L the σ-choosing images are L … L+N−1 of the full split (the paper: trained on
    MNIST 0–49,999, σ on 50,000–50,999); without a limit, training images (none are held out)."""
    from types import SimpleNamespace

    from divgan.data import build_dataset
    from divgan.metrics import parzen as pz

    monkeypatch.setattr(pz, "N_VALID", 100)
    full = build_dataset({"name": "digits", "split": "train"}).images
    valid, test = pz.parzen_sets(SimpleNamespace(data_cfg={"name": "digits", "split": "train", "limit": 300}))
    assert torch.equal(valid, full[300:400]) and len(test) > 0
    valid, _ = pz.parzen_sets(SimpleNamespace(data_cfg={"name": "digits", "split": "train"}))
    trained_on = {bytes(x.numpy()) for x in full}
    assert len(valid) == 100 and all(bytes(x.numpy()) in trained_on for x in valid)
