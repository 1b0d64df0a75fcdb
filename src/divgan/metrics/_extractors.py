"""divgan's feature extractors in torch-fidelity's registry: ``divgan-<dataset>`` (the evaluator's
features and logits) and ``divgan-pixels``.

A private module (``divgan.metrics`` imports its public modules when it loads), so that importing
divgan does not import torch-fidelity, which imports all of torchvision's models and torch._dynamo
(about 2 s of every ``divgan`` command's start). ``registered()`` registers them on first use."""
from __future__ import annotations

from functools import lru_cache

import torch
import torch_fidelity
from torch_fidelity.feature_extractor_base import FeatureExtractorBase
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

from ..evaluator import EVALUATOR_DATASETS, load_evaluator


class EvaluatorFeatures(FeatureExtractorBase):
    """divgan's evaluator as a torch-fidelity feature extractor (``divgan-<dataset>``)."""

    def __init__(self, name, features_list, feature_extractor_weights_path=None, **kwargs):
        super().__init__(name, features_list)
        self.evaluator = load_evaluator(name.removeprefix("divgan-"), feature_extractor_weights_path)
        self.net = self.evaluator.net

    @staticmethod
    def get_provided_features_list():
        return "features", "logits"

    @staticmethod
    def get_default_feature_layer_for_metric(metric):
        return "logits" if metric == "isc" else "features"

    @staticmethod
    def can_be_compiled():
        return False

    @staticmethod
    def get_dummy_input_for_compile():
        return torch.zeros(1, 1, 28, 28, dtype=torch.uint8)

    def forward(self, x):
        runs = [self.evaluator.run(x[:, c: c + 1], batch=len(x)) for c in range(x.shape[1])]
        feats, logps = zip(*((f, l.log_softmax(1)) for f, l in runs))
        joint = logps[0]
        for lp in logps[1:]:  # log p(c0, c1, ...) = Σ log p(ci): mode index c0·K^(C-1) + ... + c_{C-1}
            joint = (joint[:, :, None] + lp[:, None, :]).flatten(1)
        out = {"features": torch.cat(feats, 1), "logits": joint}
        return tuple(out[k] for k in self.features_list)


class PixelFeatures(FeatureExtractorBase):
    """The flattened pixels as features (``divgan-pixels``); uint8 is scaled to [0, 1]."""

    def __init__(self, name, features_list, **kwargs):
        super().__init__(name, features_list)

    @staticmethod
    def get_provided_features_list():
        return ("pixels",)

    @staticmethod
    def get_default_feature_layer_for_metric(metric):
        return "pixels"

    @staticmethod
    def can_be_compiled():
        return False

    @staticmethod
    def get_dummy_input_for_compile():
        return torch.zeros(1, 1, 8, 8)

    def forward(self, x):
        x = x.double() / 255.0 if x.dtype == torch.uint8 else x.double()
        return (x.flatten(1),)


@lru_cache(maxsize=None)
def registered():
    """torch_fidelity, with divgan's extractors in its registry."""
    for name in EVALUATOR_DATASETS:
        if f"divgan-{name}" not in FEATURE_EXTRACTORS_REGISTRY:
            torch_fidelity.register_feature_extractor(f"divgan-{name}", EvaluatorFeatures)
    if "divgan-pixels" not in FEATURE_EXTRACTORS_REGISTRY:
        torch_fidelity.register_feature_extractor("divgan-pixels", PixelFeatures)
    return torch_fidelity
