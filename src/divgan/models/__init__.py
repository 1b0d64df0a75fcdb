"""Generators and discriminators, registered by name; each is an ``nn.Module`` with a ``Params`` model.

Conventions every model follows:
- a generator maps z ~ N(0, I) of shape (B, latent_dim) to samples of shape (B, *data_shape);
- a discriminator is ``body`` (x -> features of shape (B, feature_dim)) then ``head`` (features ->
  one logit / critic value); ``forward(x)`` returns shape (B,). Tricks that act on features
  (feature matching, minibatch discrimination) use this split, so they work with every model.
"""
from __future__ import annotations

import torch
from torch import nn

from ..registry import Registry

GENERATORS: Registry = Registry("generator")
DISCRIMINATORS: Registry = Registry("discriminator")

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "elu": nn.ELU,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "sigmoid": nn.Sigmoid,
    "none": nn.Identity,
}


def activation(name: str) -> nn.Module:
    return ACTIVATIONS[name]()


class Flatten(nn.Module):
    """(B, C, H, W) -> (B, H·W·C): feature maps flattened pixel by pixel (channels last).

    For a channels_last activation (the CPU fast path) this is a free view, and so is its backward:
    the layers below get their gradient in their own memory format. The classic (C, H, W) order would
    copy the activation and its gradient and hand an NCHW gradient to channels_last layers, whose
    mixed-format backward kernels are several times slower. Other layouts are copied; the values never
    depend on the layout."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(0, 2, 3, 1).reshape(x.shape[0], -1) if x.dim() == 4 else x.reshape(x.shape[0], -1)


class Unflatten(nn.Module):
    """(B, H·W·C) -> (B, C, H, W), the inverse of ``Flatten``. In a channels_last model (see
    ``set_memory_format``) this is a free view; otherwise the maps are copied to NCHW."""

    def __init__(self, shape: tuple[int, int, int]):
        super().__init__()
        self.shape, self.channels_last = tuple(shape), False  # (C, H, W)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c, h, w = self.shape
        x = x.reshape(x.shape[0], h, w, c).permute(0, 3, 1, 2)
        return x if self.channels_last else x.contiguous()


def set_memory_format(model: nn.Module, channels_last: bool) -> nn.Module:
    """Put a model's 4-D weights and its ``Unflatten`` layers in one memory format, NHWC or NCHW, so
    that no kernel mixes the two (the values never depend on the format)."""
    model.to(memory_format=torch.channels_last if channels_last else torch.contiguous_format)
    for m in model.modules():
        if isinstance(m, Unflatten):
            m.channels_last = channels_last
    return model


class Discriminator(nn.Module):
    """Base: subclasses set ``self.body`` and ``self.feature_dim``; the head is a linear layer.

    A conditional discriminator (``DiscriminatorConditioning`` in its Params; see ``conditioning``)
    calls ``label_input(p)`` before building its body (``concat``: the label embedding is joined to
    the input; the body must take that many more input features or channels) and ``make_head(p)``
    after it (``projection``: an embedding table for ⟨embed(y), φ(x)⟩; ``acgan`` and InfoGAN codes:
    auxiliary heads on the features). Unconditional models build none of these."""

    body: nn.Module
    feature_dim: int
    join_channels = False  # concat: join the label as image channels (convolutional bodies) or features
    num_classes: int | None = None
    aux_weight = 1.0
    # label_embed, projection, aux: submodules of conditional models only (read with getattr: a class
    # attribute would hide nn.Module's registered submodule)

    def label_input(self, p=None) -> int:
        """``concat``: build the input label embedding; its width (0 when the label is not an input)."""
        if p is None or getattr(p, "conditioning", "none") != "concat":
            return 0
        from .conditioning import LabelEmbedding, classes_of

        self.label_embed = LabelEmbedding(classes_of(p, "discriminator"), p.embed_dim)
        return self.label_embed.dim

    def make_head(self, p=None) -> None:
        self.head = nn.Linear(self.feature_dim, 1)
        if p is None:
            return
        from .conditioning import AuxHeads, classes_of

        self.num_classes = classes_of(p, "discriminator")
        if p.conditioning == "projection":
            self.projection = nn.Embedding(self.num_classes, self.feature_dim)
            nn.init.normal_(self.projection.weight, 0.0, self.feature_dim ** -0.5)
        classifier = self.num_classes if p.conditioning == "acgan" else None
        if classifier or (p.codes is not None and (p.codes.categorical or p.codes.continuous)):
            self.aux = AuxHeads(self.feature_dim, classifier, p.codes, p.q_hidden)
        self.aux_weight = p.aux_weight

    def features(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if getattr(self, "label_embed", None) is not None:
            from .conditioning import join_label

            x = join_label(x if self.join_channels else x.reshape(x.shape[0], -1), self.label_embed(y))
        return self.body(x)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None, with_features: bool = False,
                with_aux: bool = False):
        """The logit (B,); with ``with_features`` also the features, with ``with_aux`` also the
        auxiliary heads' ``Aux`` (AC-GAN classifier, InfoGAN Q): ``out``, ``(out, h)``,
        ``(out, aux)`` or ``(out, h, aux)``. ``y``: the labels, for conditional discriminators."""
        h = self.features(x, y)
        out = self.head(h).reshape(-1)
        if getattr(self, "projection", None) is not None:  # Miyato & Koyama 2018: + ⟨embed(y), φ(x)⟩
            from .conditioning import check_labels

            out = out + (self.projection(check_labels(y, self.num_classes)).to(h.dtype) * h).sum(1)
        extra = ((h,) if with_features else ()) + ((self.auxiliary(h),) if with_aux else ())
        return (out, *extra) if extra else out

    @property
    def has_aux(self) -> bool:
        """Whether D has auxiliary heads (AC-GAN classifier, InfoGAN Q): call it with ``with_aux=True``."""
        return getattr(self, "aux", None) is not None

    def auxiliary(self, h: torch.Tensor):
        """The auxiliary heads on features h (an empty ``Aux`` when D has none)."""
        from .conditioning import Aux

        aux = getattr(self, "aux", None)
        return Aux() if aux is None else aux(h)


def _split(section: dict):
    return section["name"], {k: v for k, v in section.items() if k != "name"}


def _fill(cls, kw: dict, **facts) -> dict:
    """``kw`` with run facts (num_classes from the data, InfoGAN codes from the generator) filled in
    where the model has such a parameter and the config left it unset."""
    fields = getattr(cls.Params, "model_fields", {})
    out = dict(kw)
    for k, v in facts.items():
        if k in fields and v is not None and out.get(k) is None:
            out[k] = v
    return out


def build_generator(section: dict, data_shape: tuple[int, ...], num_classes: int | None = None) -> nn.Module:
    """The generator of a config section; ``num_classes``: the data's, for conditional generators."""
    name, kw = _split(section)
    cls = GENERATORS[name]
    return cls(cls.Params(**_fill(cls, kw, num_classes=num_classes)), data_shape)


def build_discriminator(section: dict, data_shape: tuple[int, ...], num_classes: int | None = None,
                        codes=None) -> Discriminator:
    """The discriminator of a config section; ``num_classes``: the data's; ``codes``: the generator's
    InfoGAN ``CodeSpec`` (its Q head predicts them)."""
    name, kw = _split(section)
    cls = DISCRIMINATORS[name]
    return cls(cls.Params(**_fill(cls, kw, num_classes=num_classes, codes=codes)), data_shape)


from ..plugins import import_all  # noqa: E402

import_all(__name__, __path__)
