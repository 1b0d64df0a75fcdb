"""Feature matching (Salimans et al. 2016, §3.1): the generator minimises
‖E_p f(x) − E_z f(G(z))‖² for the activations f of an intermediate discriminator layer, either
instead of the adversarial loss (``mode: replace``, the paper's form) or added to it (``mode: add``).

``layer: null`` uses the discriminator's features (the input of its head); an integer picks the output
of that child of ``D.body`` (a ``Sequential`` in every built-in model; negative indices count from the
end). The real statistics come from a fresh real minibatch through the current discriminator (with
its labels, for a conditional one: the statistics pool the classes; ``layer`` with a concat D, whose
body takes the label as input, is rejected)."""
from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field

from ..errors import DivganError
from ..params import Params
from . import TRICKS, Trick


def feature_matching_loss(real_feats: torch.Tensor, fake_feats: torch.Tensor) -> torch.Tensor:
    """‖mean(real) − mean(fake)‖² over the batch dimension (features flattened)."""
    diff = real_feats.flatten(1).float().mean(0) - fake_feats.flatten(1).float().mean(0)
    return diff.pow(2).sum()


def body_layers(D, layer: int) -> list:
    """The children of ``D.body`` up to and including child ``layer``."""
    if not isinstance(getattr(D, "body", None), torch.nn.Sequential):
        raise DivganError("tricks.feature_matching.layer needs a discriminator whose body is a sequence of layers; use layer: null")
    children = list(D.body.children())
    n = len(children)
    if not -n <= layer < n:
        raise DivganError(f"tricks.feature_matching.layer={layer}: the discriminator body has {n} layers (use -{n}..{n - 1} or null)")
    return children[: layer % n + 1]


def layer_output(D, x: torch.Tensor, layer: int) -> torch.Tensor:
    """The output of child ``layer`` of ``D.body`` on input x."""
    for module in body_layers(D, layer):
        x = module(x)
    return x


@TRICKS.register("feature_matching")
class FeatureMatching(Trick):
    class Params(Params):
        mode: Literal["off", "replace", "add"] = "off"
        weight: float = Field(1.0, gt=0.0, description="λ: loss = λ·FM (replace) or adversarial + λ·FM (add)")
        layer: int | None = Field(None, description="child of D.body whose output is matched; null = D's features")

    @staticmethod
    def enabled(p) -> bool:
        return p.mode != "off"

    def __init__(self, params, trainer):
        super().__init__(params, trainer)
        if params.layer is not None and getattr(trainer.D, "label_embed", None) is not None:
            raise DivganError("tricks.feature_matching.layer needs a discriminator that does not take the label as input; "
                              "with discriminator.conditioning=concat use layer: null")
        if params.layer is not None:
            body_layers(trainer.D, params.layer)  # a bad index fails now, not mid-training

    def _features(self, trainer, x: torch.Tensor) -> torch.Tensor:
        x = trainer.tricks.d_input(x, trainer.step)
        with trainer.autocast():
            return layer_output(trainer.D, x, self.p.layer)

    def g_loss(self, trainer, loss, fake, feats):
        real, y = trainer.real_labelled(fake.shape[0])
        with torch.no_grad():
            if self.p.layer is None:
                real_f = trainer.discriminate(trainer.D, real, y, with_features=True)[1]
            else:
                real_f = self._features(trainer, real)
        fake_f = feats if self.p.layer is None else self._features(trainer, fake)
        fm = self.p.weight * feature_matching_loss(real_f, fake_f)
        return fm if self.p.mode == "replace" else loss + fm
