"""divgan.models.subpixel: DCGAN's image-side layers compute exactly what nn.Conv2d / nn.ConvTranspose2d
compute (values and every gradient, in every layout and precision), through the sub-pixel form only
where it applies, with the parents' parameters and state-dict keys."""
import shutil

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from divgan.models import build_discriminator, build_generator
from divgan.models.subpixel import ImageConv2d, ImageConvTranspose2d, _Conv, _Transposed, subpixel_weight, transposed


@pytest.mark.parametrize("c_in,c_out,bias", [(5, 1, True), (3, 2, False), (4, 3, True)])
def test_subpixel_form_equals_the_transposed_convolution(c_in, c_out, bias):
    torch.manual_seed(0)
    y, w = torch.randn(2, c_in, 5, 3, dtype=torch.float64), torch.randn(c_in, c_out, 4, 4, dtype=torch.float64)
    b = torch.randn(c_out, dtype=torch.float64) if bias else None
    torch.testing.assert_close(transposed(y, w, b), F.conv_transpose2d(y, w, b, stride=2, padding=1), rtol=1e-12, atol=1e-12)
    # the 2×2 weights of the four phases are the 16 taps of the 4×4 one, each used exactly once
    sw = subpixel_weight(w)
    assert sw.shape == (4 * c_out, c_in, 2, 2)
    assert torch.equal(sw.flatten().sort().values, w.flatten().sort().values)


@pytest.mark.parametrize("fn,x_shape,w_shape", [(_Transposed, (2, 5, 4, 3), (5, 2, 4, 4)), (_Conv, (2, 3, 6, 8), (5, 3, 4, 4))])
@pytest.mark.parametrize("bias", [True, False])
def test_autograd_functions_pass_gradcheck(fn, x_shape, w_shape, bias):
    torch.manual_seed(0)
    x = torch.randn(x_shape, dtype=torch.float64, requires_grad=True)
    w = torch.randn(w_shape, dtype=torch.float64, requires_grad=True)
    n_bias = w_shape[1] if fn is _Transposed else w_shape[0]
    b = torch.randn(n_bias, dtype=torch.float64, requires_grad=True) if bias else None
    assert torch.autograd.gradcheck(fn.apply, (x, w, b))


LAYERS = [
    (lambda: ImageConvTranspose2d(16, 1, 4, 2, 1), nn.ConvTranspose2d, (8, 16, 7, 7), "_TransposedBackward"),
    (lambda: ImageConvTranspose2d(16, 3, 4, 2, 1), nn.ConvTranspose2d, (8, 16, 8, 8), "_TransposedBackward"),
    (lambda: ImageConv2d(1, 16, 4, 2, 1), nn.Conv2d, (8, 1, 14, 14), "_ConvBackward"),
    (lambda: ImageConv2d(3, 16, 4, 2, 1), nn.Conv2d, (8, 3, 16, 16), "_ConvBackward"),
]


@pytest.mark.parametrize("make,parent,x_shape,backward", LAYERS)
@pytest.mark.parametrize("bf16", [False, True])
@pytest.mark.parametrize("channels_last", [False, True])
def test_layer_matches_its_parent_in_values_and_gradients(make, parent, x_shape, backward, bf16, channels_last):
    torch.manual_seed(0)
    ours = make()
    stock = parent(ours.in_channels, ours.out_channels, 4, 2, 1)
    stock.load_state_dict(ours.state_dict())  # same parameters, same keys
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    ours.to(memory_format=fmt), stock.to(memory_format=fmt)
    x = torch.randn(x_shape).to(memory_format=fmt).requires_grad_()
    results = []
    for m in (ours, stock):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            y = m(x)
        g = torch.randn(y.shape, generator=torch.Generator().manual_seed(1)).to(y.dtype)
        results.append((y, *torch.autograd.grad(y, [x, m.weight, m.bias], g)))
    assert type(results[0][0].grad_fn).__name__ == backward  # the sub-pixel path ran
    assert results[0][0].dtype == results[1][0].dtype == (torch.bfloat16 if bf16 else torch.float32)
    for a, b in zip(*results):
        assert a.dtype == b.dtype and a.shape == b.shape
        scale = b.float().abs().max()
        assert (a.float() - b.float()).abs().max() <= (2e-2 if bf16 else 1e-4) * scale


@pytest.mark.parametrize("layer,channels", [(lambda: ImageConvTranspose2d(8, 5, 4, 2, 1), 8),  # 5 image channels
                                            (lambda: ImageConvTranspose2d(8, 1, 3, 1, 1), 8),  # another kernel and stride
                                            (lambda: ImageConv2d(5, 4, 4, 2, 1), 5),
                                            (lambda: ImageConv2d(1, 4, 3, 2, 1), 1)])
def test_other_shapes_and_wide_images_use_the_parent_kernel(layer, channels):
    assert type(layer()(torch.randn(2, channels, 6, 6)).grad_fn).__name__ == "ConvolutionBackward0"


@pytest.mark.parametrize("layer,channels", [(lambda: ImageConvTranspose2d(8, 1, 4, 2, 1), 8), (lambda: ImageConv2d(1, 4, 4, 2, 1), 1)])
def test_other_devices_use_the_parent_kernel(layer, channels):
    """Off the CPU (here the meta device, standing in for CUDA) the sub-pixel form is never used: it was
    measured only against oneDNN's CPU kernels."""
    y = layer().to("meta")(torch.randn(2, channels, 6, 6, device="meta"))
    assert type(y.grad_fn).__name__ == "ConvolutionBackward0"


def test_dcgan_uses_the_image_layers_and_keeps_its_state_dict_keys():
    G = build_generator({"name": "dcgan", "latent_dim": 8, "width": 8}, (1, 28, 28))
    D = build_discriminator({"name": "dcgan", "width": 8}, (1, 28, 28))
    assert isinstance(G.net[-2], ImageConvTranspose2d) and isinstance(D.body[0], ImageConv2d)
    assert G.net[-2].weight.shape == (8, 1, 4, 4) and {"net.7.weight", "net.7.bias"} <= set(G.state_dict()) and {"body.0.weight", "body.0.bias"} <= set(D.state_dict())


@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="torch.compile on CPU needs a C compiler")
def test_image_layers_work_under_torch_compile():
    """train.compile=true compiles the models: the custom autograd functions must trace and agree."""
    torch.manual_seed(0)
    G = build_generator({"name": "dcgan", "latent_dim": 8, "width": 4}, (1, 16, 16))
    D = build_discriminator({"name": "dcgan", "width": 4}, (1, 16, 16))
    z = torch.randn(4, 8)
    grads = []
    for g_mod, d_mod in ((G, D), (torch.compile(G), torch.compile(D))):
        G.zero_grad(), D.zero_grad()
        d_mod(g_mod(z)).sum().backward()
        grads.append([p.grad.clone() for p in (*G.parameters(), *D.parameters())])
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)
