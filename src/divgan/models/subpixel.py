"""DCGAN's image-side layers (kernel 4, stride 2, padding 1, at most 4 image channels), faster on the CPU.

DCGAN's generator ends in a transposed convolution to the image's 1 or 3 channels; its critic starts
with a convolution from them. The two are adjoint: the generator's forward is the same operation as
the critic's input gradient, ``T(y, W) = conv_transpose2d(y, W, stride=2, padding=1)``. With few output
channels PyTorch's CPU kernel for ``T`` (oneDNN's backward-data convolution) is slow: 640 µs at batch
64 and width 32, against 100 µs for the convolution it is the adjoint of.

Here ``T`` is a *sub-pixel convolution* (Shi et al. 2016): output pixel (2m + a, 2n + b) depends only
on inputs m+a-1 and m+a (rows), n+b-1 and n+b (columns), through four of the 16 taps of W. So each
output phase (a, b) is a 2×2, stride-1 convolution, and ``T`` is one 2×2 convolution (padding 1) to
4·C_out channels whose four phase grids are interleaved by four strided copies. The convolution does
((H+1)/H)² of ``T``'s FLOPs (1.15× at 14×14) in a kernel 3–4× faster. (A 3×3 convolution followed
by ``pixel_shuffle``, the usual form, does 2.25× the FLOPs; the 2×2 form made the training step ~1%
faster still.)

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


def subpixel_weight(w: torch.Tensor) -> torch.Tensor:
    """(C_in, C_out, 4, 4) transposed-convolution weight -> (4·C_out, C_in, 2, 2) convolution weight,
    output channels ordered (a, b, C_out) by output phase. Phase a of output row 2m + a takes kernel
    rows 3 - a (input row m + a - 1) and 1 - a (input row m + a): kernel row 3 - a - 2r for window
    row r, so the 16 taps are W flipped and split into (r, a) × (s, b), each used once."""
    c_in, c_out = w.shape[:2]
    taps = w.flip(2, 3).reshape(c_in, c_out, 2, 2, 2, 2)  # (C_in, C_out, r, a, s, b)
    return taps.permute(3, 5, 1, 0, 2, 4).reshape(4 * c_out, c_in, 2, 2)


def transposed(y: torch.Tensor, w: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """``conv_transpose2d(y, w, bias, stride=2, padding=1)`` for a 4×4 kernel, as a sub-pixel convolution:
    a 2×2 convolution with padding 1 gives, for each phase (a, b), an (H+1)×(W+1) grid whose entry
    (m + a, n + b) is output pixel (2m + a, 2n + b); four strided copies interleave the phases."""
    fmt = torch.channels_last if y.is_contiguous(memory_format=torch.channels_last) else torch.contiguous_format
    n, _, h, wd = y.shape
    c = w.shape[1]
    o = F.conv2d(y, subpixel_weight(w).contiguous(memory_format=fmt), None if bias is None else bias.repeat(4), padding=1)
    o = o.unflatten(1, (2, 2, c))
    out = torch.empty((n, c, 2 * h, 2 * wd), dtype=o.dtype, device=o.device, memory_format=fmt)
    phases = out.view(n, c, h, 2, wd, 2)
    for a in (0, 1):
        for b in (0, 1):
            phases[:, :, :, a, :, b] = o[:, a, b, :, a:a + h, b:b + wd]
    return out


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
        return _backward(ctx, g, x, w, is_transposed=True, input_grad=True)


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
