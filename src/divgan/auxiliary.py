"""The auxiliary loss terms of conditional GANs, as pure functions of the discriminator's heads.

- AC-GAN (Odena et al. 2017): D has a classifier head; both players *minimise* its cross-entropy
  L_C = −E log P(C = y | x) — D on real images with their labels (and on fakes with the labels they
  were asked for), G on its fakes with the asked labels. ``acgan_loss`` is weight · L_C.
- InfoGAN (Chen et al. 2016): the variational lower bound of the mutual information between the
  codes c and the sample, I(c; G(z, c)) ≥ E[log Q(c | x)] + H(c). H(c) is a constant, so both
  players minimise −E log Q(c | G(z, c)): a cross-entropy for each categorical code and a Gaussian
  negative log-likelihood (mean and log-variance from Q) for the continuous codes. ``info_loss`` is
  λ times that sum (the ``CodeSpec`` carries λ and the continuous codes' extra factor).

Both are means over the batch, so they add to an objective's D or G loss of the same scale
(docs/conditional.md).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .errors import DivganError
from .models.conditioning import Aux, Codes, CodeSpec

LOG_2PI = math.log(2 * math.pi)


def acgan_loss(class_logits: torch.Tensor, labels: torch.Tensor, weight: float = 1.0) -> torch.Tensor:
    """weight · mean cross-entropy of the auxiliary classifier's logits (B, K) against labels (B,)."""
    if class_logits is None:
        raise DivganError("the AC-GAN term needs a discriminator with discriminator.conditioning=acgan")
    return weight * F.cross_entropy(class_logits.float(), labels.long().to(class_logits.device))


def gaussian_nll(mean: torch.Tensor, logvar: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """−log N(target; mean, exp(logvar)) summed over the code dimensions, mean over the batch."""
    nll = 0.5 * (logvar + (target - mean) ** 2 * torch.exp(-logvar) + LOG_2PI)
    return nll.sum(1).mean()


def info_loss(aux: Aux, codes: Codes, spec: CodeSpec) -> torch.Tensor:
    """InfoGAN's term λ · (Σ_i CE(Q_i(x), c_i) + weight_continuous · NLL(c_cont | Q(x))), a mean over
    the batch; ``aux``: D's heads on the fakes, ``codes``: the codes those fakes were made from. With
    ``spec.fixed_std`` the Gaussian has σ = 1 (Q's log-variance is ignored), as in Chen et al.'s code."""
    if aux.code_logits is None:
        raise DivganError("the InfoGAN term needs a discriminator with a Q head (generator.codes set)")
    loss = aux.code_mean.new_zeros(()) if aux.code_mean is not None else torch.zeros(())
    for i, logits in enumerate(aux.code_logits):
        loss = loss + F.cross_entropy(logits.float(), codes.categorical[:, i].long().to(logits.device))
    if spec.continuous:
        target = codes.continuous.float().to(aux.code_mean.device)
        mean = aux.code_mean.float()
        logvar = torch.zeros_like(mean) if spec.fixed_std else aux.code_logvar.float()  # fixed_std: σ = 1
        loss = loss + spec.weight_continuous * gaussian_nll(mean, logvar, target)
    return spec.weight * loss
