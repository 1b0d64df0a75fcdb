"""Conditioning: generators and discriminators that take a class label y, and InfoGAN's latent codes.

A conditional GAN matches p(x | y) against q(x | y) for every label y (docs/conditional.md). The
pieces here are shared by every model that supports them (MLP, DCGAN):

- ``LabelEmbedding``: y -> a vector (one-hot when ``embed_dim`` is unset, else a learned table);
- ``join_label``: the embedding joined to an input — as extra features of a vector, or as extra
  constant channels of an image (Mirza & Osindero 2014, "concat");
- ``CondBatchNorm``: batch norm whose scale and shift are looked up by label (de Vries et al. 2017;
  the generator of Miyato & Koyama 2018, "projection"); ``CondSequential`` passes y to such layers;
- ``LatentCodes``: InfoGAN's structured part of z (Chen et al. 2016): categorical codes (one-hot) and
  continuous codes (uniform on [-1, 1]) appended after the Gaussian noise;
- ``AuxHeads``: the heads a discriminator adds on its features: AC-GAN's classifier (Odena et al.
  2017) and InfoGAN's Q head (logits per categorical code, mean and log-variance per continuous one).

Models declare ``conditioning`` in their ``Params`` (``GeneratorConditioning`` /
``DiscriminatorConditioning``); ``num_classes`` comes from the data and InfoGAN's codes from the
generator's section, both filled in by ``build_generator`` / ``build_discriminator``. With
``conditioning: none`` and no codes nothing here is built, so unconditional models are unchanged.
The loss terms are pure functions in ``divgan.auxiliary``.
"""
from __future__ import annotations

from typing import Literal, NamedTuple

import torch
import torch.nn.functional as F
from pydantic import Field, field_validator
from torch import nn

from ..errors import DivganError
from ..params import Params

Conditioning = Literal["none", "concat", "projection", "acgan"]


class CodeSpec(Params):
    """InfoGAN latent codes: one categorical code per entry of ``categorical`` (its number of values)
    and ``continuous`` codes uniform on [-1, 1]; ``weight`` is λ of the mutual-information term."""

    categorical: list[int] = Field(default_factory=list, description="values of each categorical code, e.g. [10]")
    continuous: int = Field(0, ge=0, description="continuous codes, uniform on [-1, 1]")
    weight: float = Field(1.0, ge=0, description="λ: weight of the mutual-information term (both players)")
    weight_continuous: float = Field(1.0, ge=0, description="extra factor on the continuous codes' term")
    fixed_std: bool = Field(False, description="continuous codes: Q predicts the mean only, with σ = 1 (Chen et al.'s "
                            "code); false: Q also predicts the log-variance")
    noise: Literal["normal", "uniform"] = Field("normal", description="the noise part of z: N(0, I), or uniform on "
                                                "[-1, 1] (Chen et al.'s MNIST InfoGAN)")

    @field_validator("categorical")
    @classmethod
    def _two_values(cls, v: list[int]) -> list[int]:
        if any(k < 2 for k in v):
            raise ValueError(f"every categorical code needs at least 2 values, got {v}")
        return v


class GeneratorConditioning(Params):
    """Options a conditional generator adds to its ``Params``."""

    conditioning: Conditioning = Field("none", description="how G takes the label: none | concat | projection "
                                       "(conditional batch norm) | acgan (as concat)")
    num_classes: int | None = Field(None, ge=1, description="labels 0..K-1 (default: from the data)")
    embed_dim: int | None = Field(None, ge=1, description="label embedding size (default: one-hot)")
    codes: CodeSpec | None = Field(None, description="InfoGAN latent codes appended to z")


class DiscriminatorConditioning(Params):
    """Options a conditional discriminator adds to its ``Params``."""

    conditioning: Conditioning = Field("none", description="how D takes the label: none | concat (joined to the "
                                       "input) | projection (⟨embed(y), φ(x)⟩) | acgan (auxiliary classifier)")
    num_classes: int | None = Field(None, ge=1, description="labels 0..K-1 (default: from the data)")
    embed_dim: int | None = Field(None, ge=1, description="concat: label embedding size (default: one-hot)")
    aux_weight: float = Field(1.0, ge=0, description="acgan: weight of the classifier's cross-entropy")
    q_hidden: int = Field(128, ge=0, description="InfoGAN Q head: hidden units (0: linear)")
    codes: CodeSpec | None = Field(None, description="InfoGAN codes (default: the generator's)")


def classes_of(p, role: str) -> int | None:
    """The number of classes a conditional model needs (None when unconditional); one clear error
    when it is conditional and nothing said how many classes there are."""
    if p.conditioning == "none":
        return None
    if not p.num_classes:
        raise DivganError(f"{role}.conditioning={p.conditioning} needs a dataset with labels; this data has none "
                          f"(use a labelled dataset: mnist, fashion_mnist, digits, cifar10, folder with class "
                          f"sub-folders, or a toy mixture)")
    return p.num_classes


# ---------------------------------------------------------------- labels in, vectors out


class LabelEmbedding(nn.Module):
    """y (B,) int -> (B, dim): one-hot (no parameters) when ``dim`` is None, else a learned table."""

    def __init__(self, num_classes: int, dim: int | None = None, std: float = 1.0):
        super().__init__()
        self.num_classes = num_classes
        self.dim = dim or num_classes
        self.table = None if dim is None else nn.Embedding(num_classes, dim)
        if self.table is not None:
            nn.init.normal_(self.table.weight, 0.0, std)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        y = check_labels(y, self.num_classes)
        if self.table is None:
            return F.one_hot(y, self.num_classes).float()
        return self.table(y)


def check_labels(y: torch.Tensor | None, num_classes: int) -> torch.Tensor:
    """y as a (B,) long tensor of labels in 0..K-1; a missing or out-of-range label is one clear error."""
    if y is None:
        raise DivganError(f"this model is conditional: it needs a class label 0..{num_classes - 1} for each sample")
    y = torch.as_tensor(y).reshape(-1).long()
    if len(y) and (int(y.min()) < 0 or int(y.max()) >= num_classes):
        bad = int(y.min()) if int(y.min()) < 0 else int(y.max())
        raise DivganError(f"class {bad} is out of range: this model knows classes 0..{num_classes - 1}")
    return y


def join_label(x: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
    """The label embedding e (B, E) joined to x: as E extra features of a vector input (B, D) -> (B, D+E)
    (any other shape is flattened first), or as E constant channels of an image (B, C, H, W) ->
    (B, C+E, H, W)."""
    e = e.to(x.dtype)
    if x.dim() == 4:
        return torch.cat([x, e[:, :, None, None].expand(-1, -1, *x.shape[2:])], 1)
    return torch.cat([x.reshape(x.shape[0], -1), e], 1)


# ---------------------------------------------------------------- conditional batch norm


class CondBatchNorm(nn.Module):
    """Batch norm without its own affine part, then a per-class scale γ_y and shift β_y (initialised to
    1 and 0, so at initialisation it is plain batch norm)."""

    def __init__(self, features: int, num_classes: int, dims: int = 2):
        super().__init__()
        self.bn = (nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d)(features, affine=False)
        self.gamma = nn.Embedding(num_classes, features)
        self.beta = nn.Embedding(num_classes, features)
        nn.init.ones_(self.gamma.weight)
        nn.init.zeros_(self.beta.weight)
        self.num_classes = num_classes

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        y = check_labels(y, self.num_classes)
        h = self.bn(x)
        shape = (x.shape[0], -1) + (1,) * (x.dim() - 2)
        return h * self.gamma(y).reshape(shape).to(h.dtype) + self.beta(y).reshape(shape).to(h.dtype)


class CondSequential(nn.Sequential):
    """``nn.Sequential`` whose ``CondBatchNorm`` layers also get the label."""

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        for m in self:
            x = m(x, y) if isinstance(m, CondBatchNorm) else m(x)
        return x


def conditional_batch_norm(layers: list[nn.Module], num_classes: int) -> list[nn.Module]:
    """``layers`` with every BatchNorm1d/2d replaced by a ``CondBatchNorm`` of the same width."""
    out = []
    for m in layers:
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m = CondBatchNorm(m.num_features, num_classes, dims=2 if isinstance(m, nn.BatchNorm2d) else 1)
        out.append(m)
    return out


# ---------------------------------------------------------------- InfoGAN's latent codes


class Codes(NamedTuple):
    """Codes of a batch: ``categorical`` (B, n_cat) long, ``continuous`` (B, n_cont) float."""

    categorical: torch.Tensor
    continuous: torch.Tensor


class LatentCodes:
    """The layout of z = [noise (noise_dim) | one-hot of each categorical code | continuous codes].

    ``dim`` is the codes' width in z; ``sample(n, generator)`` draws a full z (noise N(0, I), or uniform
    on [-1, 1] with ``spec.noise: uniform``; each categorical code uniform, each continuous code uniform
    on [-1, 1]); ``split(z)`` reads the codes
    back (for the mutual-information term and for walks along one code)."""

    def __init__(self, spec: CodeSpec, noise_dim: int):
        self.spec, self.noise_dim = spec, noise_dim
        self.dim = sum(spec.categorical) + spec.continuous

    @property
    def latent_dim(self) -> int:
        return self.noise_dim + self.dim

    def compose(self, noise: torch.Tensor, categorical: torch.Tensor, continuous: torch.Tensor) -> torch.Tensor:
        """z from noise (B, noise_dim), categorical values (B, n_cat) and continuous codes (B, n_cont)."""
        parts = [noise]
        for i, k in enumerate(self.spec.categorical):
            parts.append(F.one_hot(categorical[:, i].long(), k).to(noise.dtype))
        parts.append(continuous.to(noise.dtype).reshape(noise.shape[0], self.spec.continuous))
        return torch.cat(parts, 1)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        if self.spec.noise == "uniform":
            noise = torch.rand(n, self.noise_dim, generator=generator) * 2 - 1
        else:
            noise = torch.randn(n, self.noise_dim, generator=generator)
        cat = torch.stack([torch.randint(k, (n,), generator=generator) for k in self.spec.categorical], 1) \
            if self.spec.categorical else torch.zeros(n, 0, dtype=torch.long)
        cont = torch.rand(n, self.spec.continuous, generator=generator) * 2 - 1
        return self.compose(noise, cat, cont)

    def split(self, z: torch.Tensor) -> Codes:
        """The codes inside z (categorical values by argmax of their one-hot block)."""
        i, cats = self.noise_dim, []
        for k in self.spec.categorical:
            cats.append(z[:, i:i + k].argmax(1))
            i += k
        cat = torch.stack(cats, 1) if cats else z.new_zeros(z.shape[0], 0, dtype=torch.long)
        return Codes(cat, z[:, i:i + self.spec.continuous])


def sample_latent(G: nn.Module, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """z for generator G: N(0, I) of G.latent_dim (the same draws as before for models without codes),
    or InfoGAN's structured z when G has ``codes``."""
    codes = getattr(G, "codes", None)
    if codes is None:
        return torch.randn(n, G.latent_dim, generator=generator)
    return codes.sample(n, generator)


def sample_labels(n: int, num_classes: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """n labels uniform on 0..K-1 (the labels fakes are asked for)."""
    return torch.randint(num_classes, (n,), generator=generator)


# ---------------------------------------------------------------- discriminator heads


class Aux(NamedTuple):
    """What a discriminator's auxiliary heads say about a batch (None where a head is absent):
    ``class_logits`` (B, K) (AC-GAN); ``code_logits`` one (B, k_i) per categorical code and
    ``code_mean`` / ``code_logvar`` (B, n_cont) for the continuous codes (InfoGAN's Q)."""

    class_logits: torch.Tensor | None = None
    code_logits: list[torch.Tensor] | None = None
    code_mean: torch.Tensor | None = None
    code_logvar: torch.Tensor | None = None


class AuxHeads(nn.Module):
    """AC-GAN's classifier (a linear layer on D's features) and InfoGAN's Q head (an MLP on D's
    features, sharing D's body as in Chen et al.)."""

    def __init__(self, feature_dim: int, num_classes: int | None, codes: CodeSpec | None, q_hidden: int = 128):
        super().__init__()
        self.classifier = nn.Linear(feature_dim, num_classes) if num_classes else None
        self.spec = codes
        self.q = None
        if codes is not None and (codes.categorical or codes.continuous):
            out = sum(codes.categorical) + 2 * codes.continuous
            self.q = nn.Sequential(nn.Linear(feature_dim, q_hidden), nn.LeakyReLU(0.2), nn.Linear(q_hidden, out)) \
                if q_hidden else nn.Linear(feature_dim, out)

    def forward(self, h: torch.Tensor) -> Aux:
        logits = None if self.classifier is None else self.classifier(h).float()
        if self.q is None:
            return Aux(logits)
        q = self.q(h).float()
        cats, i = [], 0
        for k in self.spec.categorical:
            cats.append(q[:, i:i + k])
            i += k
        c = self.spec.continuous
        return Aux(logits, cats, q[:, i:i + c], q[:, i + c:i + 2 * c])


# ---------------------------------------------------------------- generators


class ConditionalGenerator:
    """Mixin for generators (an ``nn.Module`` subclass calls ``setup_conditioning`` first in its
    ``__init__`` and builds its first layer for the width it returns).

    Sets ``latent_dim`` (noise + InfoGAN codes: the z that ``sample_latent`` draws), ``codes``
    (``LatentCodes`` or None), ``num_classes`` and ``conditioning``. ``concat`` / ``acgan`` join a label
    embedding to z (Mirza & Osindero; Odena et al.); ``projection`` uses conditional batch norm
    (``use_cbn``) where the model has batch norm, and joins the label to z where it has none."""

    num_classes: int | None = None
    conditioning = "none"
    codes: LatentCodes | None = None
    use_cbn = False

    def setup_conditioning(self, p, has_batch_norm: bool) -> int:
        self.conditioning = p.conditioning
        self.num_classes = classes_of(p, "generator")
        self.codes = LatentCodes(p.codes, p.latent_dim) if p.codes is not None else None
        self.latent_dim = self.codes.latent_dim if self.codes is not None else p.latent_dim
        self.use_cbn = p.conditioning == "projection" and has_batch_norm
        if p.conditioning in ("concat", "acgan") or (p.conditioning == "projection" and not has_batch_norm):
            self.label_embed = LabelEmbedding(self.num_classes, p.embed_dim)
            return self.latent_dim + self.label_embed.dim
        return self.latent_dim

    def condition_input(self, z: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        """z (B, latent_dim) with the label embedding joined where the model joins it."""
        embed = getattr(self, "label_embed", None)
        z = z.reshape(z.shape[0], -1)
        return z if embed is None else join_label(z, embed(y))
