"""Feature-based metrics through torch-fidelity: FID, KID, Inception / classifier score, precision–recall.

torch-fidelity (the reference implementation, matched to the TensorFlow numbers) does the maths; divgan
plugs its own feature extractors into torch-fidelity's registry:

- ``divgan-mnist``, ``divgan-fashion``, ``divgan-digits``: the penultimate layer (128-d,
  ``features``) and the logits (``logits``) of divgan's evaluator for that dataset
  (``divgan evaluator train NAME``). On C-channel images (Stacked MNIST) the evaluator runs on each
  channel: features are concatenated, logits are the joint log-probabilities over 10^C classes.
- ``divgan-pixels``: the flattened pixels (floats pass through unchanged), for tiny images and tests.
- ``inception-v3-compat``: torch-fidelity's own Inception-v3 (weights downloaded on first use, or a
  local file with ``weights=``).

Registered metrics: ``features`` (FID, KID, precision, recall and classifier score on the divgan
features; a default for image runs) and ``inception`` (FID, KID, IS, precision, recall on Inception-v3;
asked for by name). Samples are compared with real *training* images (up to ``REAL_N``).
"""
from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

import torch
from torch.utils.data import Dataset

from ..errors import DivganError
from ..evaluator import load_evaluator
from ..pixels import to_uint8
from . import metric

REAL_N = 10_000
INCEPTION = "inception-v3-compat"
INCEPTION_FILE = "weights-inception-2015-12-05-6726825d.pth"
KEYS = {
    "frechet_inception_distance": "fid",
    "kernel_inception_distance_mean": "kid",
    "kernel_inception_distance_std": "kid_std",
    "precision": "precision",
    "recall": "recall",
    "inception_score_mean": "is",
    "inception_score_std": "is_std",
}


class Images(Dataset):
    """A tensor as the in-memory dataset torch-fidelity reads (one tensor per item)."""

    def __init__(self, x: torch.Tensor):
        self.x = x

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i]


def _prepare(x: torch.Tensor, extractor: str) -> torch.Tensor:
    """Images as the extractor wants them: uint8 for networks (floats in [-1, 1] are quantised like a
    saved PNG), 3 channels for Inception; divgan-pixels takes the tensor unchanged."""
    if extractor == "divgan-pixels":
        return x
    x = x if x.dtype == torch.uint8 else to_uint8(x)
    if extractor == INCEPTION and x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    return x.contiguous()


def inception_weights(path: str | Path | None = None) -> str | None:
    """A local Inception-v3 weights path (``path``, else ``$DIVGAN_INCEPTION_WEIGHTS``, else torch hub's
    cache), or None to let torch-fidelity download them. A named file that is missing is one clear error."""
    path = path or os.environ.get("DIVGAN_INCEPTION_WEIGHTS")
    if path is None:
        cached = Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_FILE
        return str(cached) if cached.is_file() else None
    if not Path(path).is_file():
        raise DivganError(f"Inception-v3 weights not found: {path}")
    return str(path)


def compute(fake: torch.Tensor, real: torch.Tensor, extractor: str, metrics=("fid", "kid", "prc"),
            weights: str | Path | None = None, device: str = "cpu", real_cache: str | None = None, seed: int = 2020,
            kid_subsets: int = 100) -> dict:
    """torch-fidelity's metrics of ``fake`` (input1) against ``real`` (input2), N×C×H×W images in
    [-1, 1] or uint8, on the features of ``extractor``. ``metrics`` ⊂ {fid, kid, prc, isc}.
    ``real_cache`` names the real set so its features are cached on disk (torch-fidelity's cache)."""
    if extractor == INCEPTION:
        weights = inception_weights(weights)
    n_kid = min(1000, len(fake), len(real))
    kwargs = dict(
        input1=Images(_prepare(fake, extractor)), input2=Images(_prepare(real, extractor)),
        feature_extractor=extractor, feature_extractor_weights_path=str(weights) if weights else None,
        cuda=device.startswith("cuda"), batch_size=500, save_cpu_ram=True, verbose=False, rng_seed=seed,
        kid_subset_size=n_kid, kid_subsets=kid_subsets, isc_splits=min(10, len(fake)),
        cache=real_cache is not None, input2_cache_name=real_cache, **{m: True for m in metrics},
    )
    if real_cache is not None:
        from ..data.images import cache_dir

        kwargs["cache_root"] = str(cache_dir() / "fidelity")
    from ._extractors import registered  # torch-fidelity: imported on first use

    torch_fidelity = registered()
    try:
        out = torch_fidelity.calculate_metrics(**kwargs)
    except DivganError:
        raise
    except Exception as e:  # network failures while downloading Inception weights, torch-fidelity's checks
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if extractor == INCEPTION and weights is None:
            raise DivganError(f"Inception-v3 weights could not be downloaded ({msg[:120]}); download {INCEPTION_FILE} "
                              f"and pass its path (--inception-weights PATH)") from None
        raise DivganError(f"{extractor} metrics failed: {msg[:200]}") from None
    return {KEYS[k]: float(v) for k, v in out.items() if k in KEYS}


# ---------------------------------------------------------------- real data for a run


def _draw(ds, n: int, g: torch.Generator) -> torch.Tensor:
    """n uint8 images of a dataset: a random subset of its stored images, or fresh samples (datasets
    built on the fly, like Stacked MNIST)."""
    images = getattr(ds, "images", None)
    if images is not None and tuple(images.shape[1:]) == tuple(ds.shape):
        return images[torch.randperm(len(images), generator=g)[:n]]
    return to_uint8(ds.sample(n, g))


@lru_cache(maxsize=4)
def _real_sets(section_json: str, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    from ..data import build_dataset

    section = json.loads(section_json)
    ds = build_dataset(section)
    g = torch.Generator().manual_seed(12345)
    held = None
    if section.get("split") == "train" and getattr(ds, "has_test_split", True):
        try:
            held = _draw(build_dataset({**section, "split": "test"}), n, g)
        except (DivganError, TypeError, ValueError):
            held = None
    parts = 2 if held is not None and len(held) else 3
    real = _draw(ds, parts * n, g)
    k = min(n, len(real) // parts)  # no test split: three disjoint parts of the data
    train, spare = real[:k], real[k:2 * k]
    return train, (held if parts == 2 else real[2 * k:3 * k]), spare


def real_sets(ctx, n: int = REAL_N) -> tuple[torch.Tensor, torch.Tensor]:
    """(real training images, held-out real images) of a run, uint8, at most n each: the set samples
    are compared with, and the set whose scores are the reference values (what a generator that
    reproduces the data distribution would get). Held-out = the test split where the dataset has one,
    else a disjoint third of a random split of the data."""
    return _real_sets(json.dumps(ctx.data_cfg, sort_keys=True), n)[:2]


def reference(ctx, names: list[str]) -> dict:
    """Real-data reference values of metrics ``names``: each metric scored on held-out real images
    in place of generator samples (a metric with ``reference = "train"``, like Parzen, is scored on
    training images disjoint from those it compares with)."""
    from . import METRICS

    _, held, spare = _real_sets(json.dumps(ctx.data_cfg, sort_keys=True), REAL_N)
    out: dict = {}
    for name in names:
        fn = METRICS[name]
        out.update(fn(ctx, spare if getattr(fn, "reference", "") == "train" else held))
    return out


def real_cache_name(ctx, extractor: str, weights: str | None = None) -> str:
    """A torch-fidelity cache entry name for the run's real set and this extractor (and its file)."""
    from ..evaluator import evaluator_path

    src = Path(weights) if weights else (evaluator_path(extractor.removeprefix("divgan-")) if extractor.startswith("divgan-")
                                         and extractor != "divgan-pixels" else None)
    stamp = f"{src.stat().st_mtime_ns}-{src.stat().st_size}" if src and src.is_file() else "0"
    key = json.dumps([ctx.data_cfg, REAL_N, stamp], sort_keys=True)
    return f"divgan-{extractor}-{hashlib.sha1(key.encode()).hexdigest()[:16]}"


def run_evaluator(ctx, warn: bool = True) -> str | None:
    """The divgan extractor name for a run's dataset, or None (with a one-time warning) if its
    evaluator has not been trained."""
    name = ctx.evaluator
    if name is None:
        return None
    try:
        load_evaluator(name)
    except DivganError as e:
        if warn and "evaluator" not in ctx.warned:
            ctx.log(f"warning: {e}; skipping the feature metrics")
            ctx.warned.add("evaluator")
        return None
    return f"divgan-{name}"


@metric("features", applies_to=("image",))
def features(ctx, samples):
    """FID, KID, precision, recall (on divgan evaluator features) and the classifier score."""
    extractor = run_evaluator(ctx)
    if extractor is None:
        return {}
    train, _ = real_sets(ctx)
    out = compute(samples, train, extractor, ("fid", "kid", "prc", "isc"), device=ctx.device,
                  real_cache=real_cache_name(ctx, extractor))
    out["classifier_score"], out["classifier_score_std"] = out.pop("is"), out.pop("is_std")
    return out


@metric("inception")
def inception(ctx, samples):
    """FID, KID, IS, precision and recall on Inception-v3 features (pool3, 2048-d); weights from
    ``$DIVGAN_INCEPTION_WEIGHTS`` (``divgan evaluate --inception-weights``) or downloaded."""
    weights = inception_weights()
    train, _ = real_sets(ctx)
    out = compute(samples, train, INCEPTION, ("fid", "kid", "prc", "isc"), weights=weights, device=ctx.device,
                  real_cache=real_cache_name(ctx, INCEPTION, weights))
    return {f"{k}_inception": v for k, v in out.items()}

