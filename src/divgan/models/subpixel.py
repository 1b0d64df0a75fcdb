"""DCGAN's image-side layers (kernel 4, stride 2, padding 1, at most 4 image channels), faster on the CPU.

DCGAN's generator ends in a transposed convolution to the image's 1 or 3 channels; its critic starts
with a convolution from them. The two are adjoint: the generator's forward is the same operation as
the critic's input gradient, ``T(y, W) = conv_transpose2d(y, W, stride=2, padding=1)``. With few output
channels PyTorch's CPU kernel for ``T`` (oneDNN's backward-data convolution) is slow: 640 µs at batch
64 and width 32, against 100 µs for the convolution it is the adjoint of.

Here ``T`` is a *sub-pixel convolution* (Shi et al. 2016): output pixel (2m + a, 2n + b) depends only
on inputs m-1..m+1, n-1..n+1, through four taps of W, so ``T`` equals a 3×3, stride-1 convolution to
4·C_out channels (one per output phase (a, b)) followed by ``pixel_shuffle(2)``. That is 2.25× the
FLOPs in a kernel about 3× faster.

``ImageConvTranspose2d`` and ``ImageConv2d`` are ``nn.ConvTranspose2d`` / ``nn.Conv2d`` with the same
parameters and state-dict keys. Only ``T`` (the generator's forward, the critic's input gradient) is
computed differently; every other direction is PyTorch's own kernel, and other shapes and devices
use the parent's ``forward`` (the sub-pixel form was measured only against oneDNN's CPU kernels).
Autocast is honoured: the layer computes in the autocast dtype where autocast is on, as ``nn.Conv2d``
would. Measured in the training step: docs/distributed.md.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

IMAGE_CHANNELS = 4  # the most image channels for which T is computed as a sub-pixel convolution
CONV = dict(stride=[2, 2], padding=[1, 1], dilation=[1, 1], output_padding=[0, 0], groups=1)


def _tap_index() -> torch.Tensor:
    """For phase (a, b) and 3×3 position (d, e), the flat index kh·4 + kw of the 4×4 tap it uses, or
    16 (a zero). Output row 2m + a gets input row m + d - 1 through kernel row ``rows[a][d]``."""
    rows = {0: {0: 3, 1: 1}, 1: {1: 2, 2: 0}}
    idx = torch.full((2, 2, 3, 3), 16)
    for a in (0, 1):
        for b in (0, 1):
            for d, kh in rows[a].items():
                for e, kw in rows[b].items():
                    idx[a, b, d, e] = kh * 4 + kw
    return idx.flatten()


TAP_INDEX = _tap_index()


def subpixel_weight(w: torch.Tensor) -> torch.Tensor:
    """(C_in, C_out, 4, 4) transposed-convolution weight -> (4·C_out, C_in, 3, 3) convolution weight,
    channels ordered (C_out, a, b) as ``pixel_shuffle`` expects; unused taps are 0."""
    c_in, c_out = w.shape[:2]
    taps = F.pad(w.transpose(0, 1).reshape(c_out, c_in, 16), (0, 1))[..., TAP_INDEX.to(w.device)]
    return taps.reshape(c_out, c_in, 2, 2, 3, 3).permute(0, 2, 3, 1, 4, 5).reshape(4 * c_out, c_in, 3, 3)


def transposed(y: torch.Tensor, w: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """``conv_transpose2d(y, w, bias, stride=2, padding=1)`` for a 4×4 kernel, as a sub-pixel convolution."""
    fmt = torch.channels_last if y.is_contiguous(memory_format=torch.channels_last) else torch.contiguous_format
    b4 = None if bias is None else bias.repeat_interleave(4)
    return F.pixel_shuffle(F.conv2d(y, subpixel_weight(w).contiguous(memory_format=fmt), b4, padding=1), 2)


def _backward(ctx, g: torch.Tensor, x: torch.Tensor, w: torch.Tensor, is_transposed: bool, input_grad: bool):
    """PyTorch's own gradients of the layer (the input's only if ``input_grad``)."""
    need_x, need_w, need_b = ctx.needs_input_grad
    bias = [w.shape[1] if is_transposed else w.shape[0]] if ctx.has_bias else None
    return torch.ops.aten.convolution_backward(g, x, w, bias, transposed=is_transposed,
                                               output_mask=[need_x and input_grad, need_w, need_b and ctx.has_bias], **CONV)


class _Transposed(torch.autograd.Function):
    """y = conv_transpose2d(x, w, b): sub-pixel forward, PyTorch's backward (a plain convolution)."""

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        ctx.has_bias = b is not None
        return transposed(x, w, b)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return _backward(ctx, g.to(x.dtype), x, w, is_transposed=True, input_grad=True)


class _Conv(torch.autograd.Function):
    """y = conv2d(x, w, b): PyTorch's forward and weight gradient, sub-pixel input gradient."""

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        ctx.has_bias = b is not None
        return F.conv2d(x, w, b, stride=2, padding=1)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        g = g.to(x.dtype)
        _, gw, gb = _backward(ctx, g, x, w, is_transposed=False, input_grad=False)
        return transposed(g, w) if ctx.needs_input_grad[0] else None, gw, gb


def _applies(m: nn.modules.conv._ConvNd, x: torch.Tensor, image_channels: int) -> bool:
    return (x.device.type == "cpu" and x.dim() == 4 and image_channels <= IMAGE_CHANNELS
            and m.kernel_size == (4, 4) and m.stride == (2, 2) and m.padding == (1, 1) and m.dilation == (1, 1)
            and m.groups == 1 and tuple(m.output_padding) == (0, 0) and m.padding_mode == "zeros")


def _run(fn, x: torch.Tensor, m: nn.modules.conv._ConvNd) -> torch.Tensor:
    """``fn`` on x and m's parameters, all in the dtype autocast would pick (none inside: autocast off)."""
    dtype = torch.get_autocast_dtype("cpu") if torch.is_autocast_enabled("cpu") else x.dtype
    with torch.autocast("cpu", enabled=False):
        return fn.apply(x.to(dtype), m.weight.to(dtype), None if m.bias is None else m.bias.to(dtype))


class ImageConvTranspose2d(nn.ConvTranspose2d):
    """``nn.ConvTranspose2d`` to an image (the generator's last layer), with a sub-pixel forward."""

    def forward(self, x: torch.Tensor, output_size=None) -> torch.Tensor:
        if output_size is None and _applies(self, x, self.out_channels):
            return _run(_Transposed, x, self)
        return super().forward(x, output_size)


class ImageConv2d(nn.Conv2d):
    """``nn.Conv2d`` from an image (the critic's first layer), with a sub-pixel input gradient."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _run(_Conv, x, self) if _applies(self, x, self.in_channels) else super().forward(x)
