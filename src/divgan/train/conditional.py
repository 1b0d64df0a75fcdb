"""The conditional plumbing of the training core (docs/conditional.md), kept out of its steps.

- ``build_models``: G and D built with the data's number of classes and G's InfoGAN codes;
- ``check_pairing``: both players conditional or neither (AC-GAN's D with a concat G is the one
  mixed pairing that makes sense); returns K, or None for an unconditional run;
- ``Fakes``: a batch of fakes with the labels they were asked for and the z they came from (InfoGAN's
  term reads the codes back from z);
- ``aux_d_loss`` / ``aux_g_loss``: the auxiliary terms each step adds (AC-GAN's classifier
  cross-entropy, InfoGAN's −E log Q(c | x));
- ``default_labels`` / ``labels_for``: the labels samples are asked for (every class in turn).
An unconditional run builds the same models and draws nothing here."""
from __future__ import annotations

from typing import NamedTuple

import torch

from ..auxiliary import acgan_loss, info_loss
from ..errors import DivganError
from ..models import build_discriminator, build_generator


class Fakes(NamedTuple):
    """Generated examples ``x``, the labels they were asked for ``y`` (None when unconditional) and
    their latent vectors ``z``."""

    x: torch.Tensor
    y: torch.Tensor | None
    z: torch.Tensor

    def detached(self) -> "Fakes":
        return Fakes(self.x.detach(), self.y, self.z)


def build_models(cfg, data) -> tuple[torch.nn.Module, torch.nn.Module]:
    """G and D of a config: the data's ``num_classes`` for conditional models, G's codes for D's Q head."""
    K = getattr(data, "num_classes", None)
    K = K if isinstance(K, int) else None
    G = build_generator(cfg.generator, data.shape, num_classes=K)
    codes = getattr(G, "codes", None)
    D = build_discriminator(cfg.discriminator, data.shape, num_classes=K, codes=codes.spec if codes is not None else None)
    return G, D


def check_pairing(G, D) -> int | None:
    """K when G and D are label-conditional, None when neither is; one clear error otherwise."""
    g, d = getattr(G, "num_classes", None), getattr(D, "num_classes", None)
    if (g is None) != (d is None):
        raise DivganError("generator.conditioning and discriminator.conditioning must both be none or both set "
                          f"(here generator: {getattr(G, 'conditioning', 'none')}, discriminator: {getattr(D, 'conditioning', 'none') if d is None else 'set'})")
    return g


def aux_d_loss(trainer, aux_real, y_real, aux_fake, fake: Fakes) -> torch.Tensor:
    """The discriminator's auxiliary terms: AC-GAN's cross-entropy on reals (true labels) and fakes
    (asked labels); InfoGAN's L_I on the fakes (trains D's body and the Q head)."""
    D, loss = trainer.D, 0.0
    if aux_real.class_logits is not None:
        loss = acgan_loss(aux_real.class_logits, y_real, D.aux_weight) + acgan_loss(aux_fake.class_logits, fake.y, D.aux_weight)
    if aux_fake.code_logits is not None:
        loss = loss + info_loss(aux_fake, trainer.G.codes.split(fake.z), trainer.G.codes.spec)
    return loss


def aux_g_loss(trainer, aux, fake: Fakes) -> torch.Tensor:
    """The generator's auxiliary terms on its fakes: AC-GAN (classified as asked) and InfoGAN (codes
    recoverable by Q)."""
    loss = 0.0
    if aux.class_logits is not None:
        loss = acgan_loss(aux.class_logits, fake.y, trainer.D.aux_weight)
    if aux.code_logits is not None:
        loss = loss + info_loss(aux, trainer.G.codes.split(fake.z), trainer.G.codes.spec)
    return loss


def default_labels(n: int, num_classes: int | None) -> torch.Tensor | None:
    """0, 1, …, K−1, 0, 1, …: every class in turn (one row per class in a grid K wide); None when
    unconditional."""
    return None if num_classes is None else torch.arange(n) % num_classes


def labels_for(n: int, num_classes: int | None, labels=None) -> torch.Tensor | None:
    """The labels n samples are asked for: ``labels`` (an int, a list or a tensor; repeated in turn
    to n) checked against 0..K−1, or ``default_labels``. Labels for an unconditional run are an error."""
    if num_classes is None:
        if labels is not None:
            raise DivganError("this run is unconditional: it takes no class labels (--class/--classes need a run "
                              "trained with generator.conditioning and discriminator.conditioning set)")
        return None
    if labels is None:
        return default_labels(n, num_classes)
    y = torch.as_tensor(labels).reshape(-1).long()
    if len(y) == 0:
        raise DivganError("no class labels given")
    bad = [int(v) for v in y if not 0 <= int(v) < num_classes]
    if bad:
        raise DivganError(f"class {bad[0]} is out of range: this run knows classes 0..{num_classes - 1}")
    return y.repeat((n + len(y) - 1) // len(y))[:n] if len(y) != n else y
