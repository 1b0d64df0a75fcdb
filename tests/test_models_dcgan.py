"""DCGAN generator/discriminator: shapes for every supported size, channel counts, the init."""
import pytest
import torch

from divgan.errors import DivganError
from divgan.models import build_discriminator, build_generator
from divgan.models.dcgan import dcgan_plan


@pytest.mark.parametrize("size,plan", [(8, (4, 1)), (16, (4, 2)), (28, (7, 2)), (32, (4, 3)), (64, (4, 4)), (96, (6, 4))])
def test_plan(size, plan):
    assert dcgan_plan(size) == plan


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32), (3, 64, 64), (1, 16, 16), (4, 8, 8)])
def test_shapes(shape):
    torch.manual_seed(0)
    G = build_generator({"name": "dcgan", "latent_dim": 16, "width": 8}, shape)
    D = build_discriminator({"name": "dcgan", "width": 8}, shape)
    x = G(torch.randn(5, 16))
    assert x.shape == (5, *shape)
    assert x.abs().max() <= 1.0  # tanh output
    out, feats = D(x, with_features=True)
    assert out.shape == (5,)
    assert feats.shape == (5, D.feature_dim)


def test_init_is_normal_002():
    torch.manual_seed(0)
    G = build_generator({"name": "dcgan", "width": 64}, (3, 32, 32))
    w = torch.cat([m.weight.flatten() for m in G.modules() if isinstance(m, torch.nn.ConvTranspose2d)])
    assert abs(w.std().item() - 0.02) < 0.001 and abs(w.mean().item()) < 0.001
    bn = torch.cat([m.weight.flatten() for m in G.modules() if isinstance(m, torch.nn.BatchNorm2d)])
    assert abs(bn.mean().item() - 1.0) < 0.01


@pytest.mark.parametrize("shape", [(1, 30, 30), (1, 28, 32), (2,)])
def test_bad_shapes_are_clear_errors(shape):
    with pytest.raises(DivganError):
        build_generator({"name": "dcgan"}, shape)


def test_gradients_reach_every_layer():
    G = build_generator({"name": "dcgan", "latent_dim": 8, "width": 4}, (1, 28, 28))
    D = build_discriminator({"name": "dcgan", "width": 4}, (1, 28, 28))
    D(G(torch.randn(4, 8))).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in [*G.parameters(), *D.parameters()])


@pytest.mark.parametrize("setting,expected", [("auto", True), ("off", False), ("on", True)])
def test_trainer_channels_last_for_conv_models(setting, expected):
    from divgan.config import load_config
    from divgan.train.trainer import Trainer

    cfg = load_config("digits-dcgan", [f"train.channels_last={setting}", "train.batch_size=8", "train.device=cpu"])
    t = Trainer(cfg, log=lambda m: None)
    assert t.channels_last is expected
    conv = [m for m in t.D.modules() if isinstance(m, torch.nn.Conv2d)][-1]  # C_in > 1: the layouts differ
    assert conv.weight.is_contiguous(memory_format=torch.channels_last) is expected
    t.train_step()
    assert t.step == 1


def test_trainer_channels_last_auto_is_off_for_mlps():
    from divgan.config import load_config
    from divgan.train.trainer import Trainer

    assert Trainer(load_config("ring", ["train.device=cpu"]), log=lambda m: None).channels_last is False


def test_channels_last_changes_the_layout_not_the_function():
    """In the channels_last layout every activation after the projection and every gradient the flatten
    hands back is channels_last (no format mixing, no copies), and G and D compute the same values as
    in the default layout."""
    import copy

    from divgan.models import set_memory_format

    torch.manual_seed(0)
    G = build_generator({"name": "dcgan", "latent_dim": 16, "width": 8}, (1, 28, 28))
    D = build_discriminator({"name": "dcgan", "width": 8}, (1, 28, 28))
    G_cl, D_cl = (set_memory_format(copy.deepcopy(m), True) for m in (G, D))
    z = torch.randn(6, 16)
    x, x_cl = G(z), G_cl(z)
    h = G_cl.net[:4](z)  # projection, unflatten, batch norm, ReLU
    assert h.is_contiguous(memory_format=torch.channels_last) and not h.is_contiguous()
    assert G.net[:4](z).is_contiguous()  # the default (NCHW) model stays NCHW
    torch.testing.assert_close(x_cl, x, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(D_cl(x_cl), D(x), atol=1e-5, rtol=1e-4)

    maps, grads = D_cl.body[:-1](x_cl.detach()), []  # the feature maps before the flatten
    assert maps.is_contiguous(memory_format=torch.channels_last)
    flat = D_cl.body[-1](maps)
    assert flat.data_ptr() == maps.data_ptr()  # the flatten is a view, not a copy
    maps.register_hook(grads.append)  # the gradient as the layers below receive it
    D_cl.head(flat).sum().backward()
    assert grads[0].is_contiguous(memory_format=torch.channels_last) and not grads[0].is_contiguous()


def test_flatten_and_unflatten_are_inverse_and_pixel_major():
    from divgan.models import Flatten, Unflatten

    x = torch.arange(2 * 3 * 4 * 5.0).reshape(2, 3, 4, 5)
    flat = Flatten()(x)
    assert torch.equal(flat[0, :3], x[0, :, 0, 0])  # all channels of the first pixel come first
    for layout in (torch.contiguous_format, torch.channels_last):
        assert torch.equal(Flatten()(x.contiguous(memory_format=layout)), flat)
    assert torch.equal(Unflatten((3, 4, 5))(flat), x)
    assert Unflatten((3, 4, 5))(flat).is_contiguous()


def test_projection_is_a_linear_layer_with_dcgan_init():
    G = build_generator({"name": "dcgan", "latent_dim": 100, "width": 32}, (1, 28, 28))
    proj = G.net[0]
    assert isinstance(proj, torch.nn.Linear) and proj.weight.shape == (64 * 7 * 7, 100)
    assert abs(proj.weight.std().item() - 0.02) < 0.002


def test_fc_layers_are_chen_et_als_hidden_layers():
    """``fc``: G maps z through a fully connected hidden layer (BN, ReLU) before the projection; D's
    features become a fully connected layer (BN, LeakyReLU) on the flattened maps; conditional batch
    norm reaches the hidden layer of a projection G."""
    torch.manual_seed(0)
    G = build_generator({"name": "dcgan", "latent_dim": 6, "width": 4, "fc": 12}, (1, 16, 16))
    linears = [m for m in G.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(6, 12), (12, 8 * 4 * 4)]
    D = build_discriminator({"name": "dcgan", "width": 4, "fc": 10}, (1, 16, 16))
    x = G(torch.randn(5, 6))
    out, feats = D(x, with_features=True)
    assert D.feature_dim == 10 and feats.shape == (5, 10) and out.shape == (5,)
    hidden = D.body[:-3](x)  # the flattened maps, before the fc layer
    assert hidden.shape == (5, 8 * 4 * 4)
    fc, bn = D.body[-3], D.body[-2]
    assert torch.allclose(feats, torch.nn.functional.leaky_relu(bn(fc(hidden)), 0.2), atol=1e-6)
    D(x).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in G.parameters())
    from divgan.models.conditioning import CondBatchNorm
    Gc = build_generator({"name": "dcgan", "latent_dim": 6, "width": 4, "fc": 12, "conditioning": "projection"},
                         (1, 16, 16), num_classes=3)
    assert [m.bn.num_features for m in Gc.modules() if isinstance(m, CondBatchNorm)] == [12, 8, 4]
    assert not any(isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)) and m.affine for m in Gc.modules())
