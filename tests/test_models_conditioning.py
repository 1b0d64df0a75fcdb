"""Conditioning of MLP and DCGAN models: label-conditional G and D (concat, projection, AC-GAN), InfoGAN
codes and Q head, and unconditional models left exactly as they were."""
import math

import pytest
import torch
from torch import nn

from divgan.config import load_config
from divgan.errors import DivganError
from divgan.models import build_discriminator, build_generator
from divgan.models.conditioning import CodeSpec, CondBatchNorm, LatentCodes, sample_latent
from divgan.models.dcgan import dcgan_init
from divgan.models.mlp import mlp_layers
from divgan.models.subpixel import ImageConvTranspose2d
from divgan.models import Unflatten

TOY, IMG = (2,), (1, 8, 8)
MODELS = [("mlp", TOY), ("dcgan", IMG)]


def _perturb_cbn(G):
    """Conditional batch norm starts as plain batch norm (γ_y = 1, β_y = 0): give each class its own."""
    g = torch.Generator().manual_seed(1)
    for m in G.modules():
        if isinstance(m, CondBatchNorm):
            m.gamma.weight.data += 0.5 * torch.randn(m.gamma.weight.shape, generator=g)
            m.beta.weight.data += 0.5 * torch.randn(m.beta.weight.shape, generator=g)


@pytest.mark.parametrize("name,shape", MODELS)
@pytest.mark.parametrize("cond", ["concat", "projection", "acgan"])
def test_conditional_generator_is_deterministic_and_label_dependent(name, shape, cond):
    torch.manual_seed(0)
    section = {"name": name, "conditioning": cond, **({"batch_norm": True} if name == "mlp" else {"width": 8})}
    G = build_generator(section, shape, num_classes=4).eval()
    _perturb_cbn(G)
    z = torch.randn(3, G.latent_dim, generator=torch.Generator().manual_seed(2))
    for y in range(4):
        a, b = G(z, torch.full((3,), y)), G(z, torch.full((3,), y))
        assert a.shape == (3, *shape) and torch.equal(a, b)
    outs = [G(z, torch.full((3,), y)) for y in range(4)]
    for i in range(4):
        for j in range(i + 1, 4):
            assert (outs[i] - outs[j]).abs().max() > 1e-4
    with pytest.raises(DivganError, match="out of range"):
        G(z, torch.full((3,), 4))
    with pytest.raises(DivganError, match="needs a class label"):
        G(z)


def test_projection_generator_uses_conditional_batch_norm_where_it_has_batch_norm():
    G = build_generator({"name": "dcgan", "width": 8, "conditioning": "projection"}, IMG, num_classes=3)
    assert any(isinstance(m, CondBatchNorm) for m in G.modules())
    assert not any(isinstance(m, nn.BatchNorm2d) and m.affine for m in G.modules())
    assert getattr(G, "label_embed", None) is None  # the label enters only through the norms
    plain = build_generator({"name": "mlp", "conditioning": "projection"}, TOY, num_classes=3)  # no batch norm
    assert plain.label_embed is not None and plain.net[0].in_features == 2 + 3


def test_unconditional_models_are_unchanged():
    """Same seed, same weights and outputs as the models built the way they were before conditioning."""
    torch.manual_seed(0)
    G = build_generator({"name": "mlp"}, TOY, num_classes=8)  # num_classes from the data changes nothing
    torch.manual_seed(0)
    ref = nn.Sequential(*mlp_layers([2, 128, 128], "relu"), nn.Linear(128, 2), nn.Identity())
    assert all(torch.equal(a, b) for a, b in zip(G.net.state_dict().values(), ref.state_dict().values()))
    z = torch.randn(5, 2)
    assert torch.equal(G(z), ref(z))
    torch.manual_seed(0)
    G = build_generator({"name": "dcgan", "width": 8}, IMG, num_classes=10)
    torch.manual_seed(0)
    ref = nn.Sequential(nn.Linear(100, 8 * 4 * 4, bias=False), Unflatten((8, 4, 4)), nn.BatchNorm2d(8), nn.ReLU(True),
                        ImageConvTranspose2d(8, 1, 4, 2, 1), nn.Tanh())  # 8 = 4·2: one ×2 step
    dcgan_init(ref)
    assert G.state_dict().keys() == {f"net.{k}" for k in ref.state_dict()}
    assert all(torch.equal(G.state_dict()[f"net.{k}"], v) for k, v in ref.state_dict().items())
    torch.manual_seed(0)
    D = build_discriminator({"name": "dcgan", "width": 8}, IMG, num_classes=10)
    torch.manual_seed(0)
    D0 = build_discriminator({"name": "dcgan", "width": 8}, IMG)
    assert all(torch.equal(a, b) for a, b in zip(D.state_dict().values(), D0.state_dict().values()))
    assert D.state_dict().keys() == D0.state_dict().keys() and not D.has_aux


@pytest.mark.parametrize("name,shape", MODELS)
def test_projection_discriminator_is_its_two_parts(name, shape):
    torch.manual_seed(0)
    D = build_discriminator({"name": name, "conditioning": "projection"}, shape, num_classes=5).eval()
    x, y = torch.randn(6, *shape), torch.tensor([0, 1, 2, 3, 4, 2])
    out, h = D(x, y, with_features=True)
    unconditional = h @ D.head.weight[0] + D.head.bias[0]
    inner = (D.projection.weight[y] * h).sum(1)
    assert torch.allclose(out, unconditional + inner, atol=1e-5)
    assert inner.abs().max() > 1e-3  # the label term is not vanishing
    assert not torch.allclose(D(x, y), D(x, (y + 1) % 5))


@pytest.mark.parametrize("name,shape", MODELS)
def test_concat_discriminator_sees_the_label(name, shape):
    torch.manual_seed(0)
    D = build_discriminator({"name": name, "conditioning": "concat"}, shape, num_classes=3).eval()
    x = torch.randn(4, *shape)
    a, b = D(x, torch.zeros(4, dtype=torch.long)), D(x, torch.ones(4, dtype=torch.long))
    assert a.shape == (4,) and not torch.allclose(a, b)
    with pytest.raises(DivganError):
        D(x)


def test_acgan_discriminator_has_a_classifier_head():
    D = build_discriminator({"name": "dcgan", "width": 8, "conditioning": "acgan", "aux_weight": 0.5}, IMG, num_classes=7)
    out, h, aux = D(torch.randn(3, *IMG), with_features=True, with_aux=True)
    assert out.shape == (3,) and aux.class_logits.shape == (3, 7) and aux.code_logits is None
    assert torch.allclose(aux.class_logits, D.aux.classifier(h))
    assert D.aux_weight == 0.5 and D.has_aux


def test_infogan_codes_and_q_head():
    spec = {"categorical": [10, 3], "continuous": 2}
    G = build_generator({"name": "dcgan", "width": 8, "latent_dim": 5, "codes": spec}, IMG)
    assert G.latent_dim == 5 + 13 + 2
    z = sample_latent(G, 64, torch.Generator().manual_seed(0))
    codes = G.codes.split(z)
    assert codes.categorical.shape == (64, 2) and codes.continuous.shape == (64, 2)
    assert torch.equal(z[:, 5:15].sum(1), torch.ones(64)) and set(z[:, 5:15].unique().tolist()) == {0.0, 1.0}
    assert codes.categorical[:, 1].max() <= 2 and codes.continuous.abs().max() <= 1
    assert torch.equal(G.codes.compose(z[:, :5], codes.categorical, codes.continuous), z)  # split inverts compose
    assert G(z).shape == (64, *IMG)
    D = build_discriminator({"name": "dcgan", "width": 8}, IMG, codes=G.codes.spec)  # the builder passes G's codes
    _, aux = D(G(z).detach(), with_aux=True)
    assert [t.shape for t in aux.code_logits] == [(64, 10), (64, 3)]
    assert aux.code_mean.shape == aux.code_logvar.shape == (64, 2) and aux.class_logits is None


def test_uniform_noise_is_uniform_on_minus_one_one_and_codes_are_unchanged():
    spec = CodeSpec(categorical=[10], continuous=2, noise="uniform")
    z = LatentCodes(spec, noise_dim=62).sample(20000, torch.Generator().manual_seed(0))
    noise = z[:, :62]
    assert noise.min() >= -1 and noise.max() <= 1
    assert abs(noise.mean().item()) < 0.01 and abs(noise.var().item() - 1 / 3) < 0.01  # U(−1, 1): variance 1/3
    counts = torch.bincount(LatentCodes(spec, 62).split(z).categorical[:, 0], minlength=10)
    assert counts.min() > 1800 and counts.max() < 2200 and torch.equal(z[:, 62:72].sum(1), torch.ones(20000))
    normal = LatentCodes(CodeSpec(categorical=[10], continuous=2), 62).sample(20000, torch.Generator().manual_seed(0))
    assert abs(normal[:, :62].var().item() - 1) < 0.02  # the default stays N(0, I)


def test_sample_latent_without_codes_is_plain_noise():
    G = build_generator({"name": "mlp", "latent_dim": 3}, TOY)
    a = sample_latent(G, 4, torch.Generator().manual_seed(9))
    assert torch.equal(a, torch.randn(4, 3, generator=torch.Generator().manual_seed(9)))


def test_bad_conditioning_is_one_clear_error():
    with pytest.raises(DivganError, match="generator.conditioning=concat needs a dataset with labels"):
        build_generator({"name": "mlp", "conditioning": "concat"}, TOY, num_classes=None)
    with pytest.raises(DivganError, match="discriminator.conditioning=projection needs a dataset with labels"):
        build_discriminator({"name": "dcgan", "conditioning": "projection"}, IMG)
    with pytest.raises(DivganError, match=r"generator.codes.categorical: .*at least 2 values"):
        load_config("ring", ["generator.codes.categorical=[1]"])


def test_latent_codes_layout():
    lc = LatentCodes(CodeSpec(categorical=[4], continuous=1), noise_dim=2)
    z = lc.compose(torch.zeros(2, 2), torch.tensor([[3], [1]]), torch.tensor([[0.5], [-0.25]]))
    assert z.tolist() == [[0, 0, 0, 0, 0, 1, 0.5], [0, 0, 0, 1, 0, 0, -0.25]]
    assert lc.dim == 5 and lc.latent_dim == 7 and not math.isnan(float(z.sum()))


def test_goodfellow_pair_takes_codes_and_labels_and_is_unchanged_without():
    """The Goodfellow MLP pair (goodfellow G, maxout D): InfoGAN codes after the noise (``noise: uniform``
    transforms the noise only), a Q head on the maxout features, concat labels on both; without them the
    same weights and outputs as the plain networks."""
    shape = (3, 8, 8)
    G = build_generator({"name": "goodfellow", "latent_dim": 5, "hidden": [16], "noise": "uniform",
                         "codes": {"categorical": [10, 10, 10]}}, shape)
    assert G.latent_dim == 5 + 30 and G.net[0].in_features == 35
    z = sample_latent(G, 8, torch.Generator().manual_seed(0))
    u = torch.cat([math.sqrt(3) * torch.erf(z[:, :5] / math.sqrt(2)), z[:, 5:]], 1)  # one-hot codes untouched
    assert torch.equal(G(z), (2 * torch.sigmoid(G.net(u)) - 1).reshape(8, *shape))
    D = build_discriminator({"name": "maxout", "units": [16, 16], "pieces": 2}, shape, codes=G.codes.spec)
    _, aux = D(G(z).detach(), with_aux=True)
    assert [t.shape for t in aux.code_logits] == [(8, 10)] * 3
    Gc = build_generator({"name": "goodfellow", "latent_dim": 5, "hidden": [16], "conditioning": "concat"}, shape, num_classes=4)
    Dc = build_discriminator({"name": "maxout", "units": [16], "pieces": 2, "conditioning": "concat"}, shape, num_classes=4).eval()
    z = torch.randn(3, 5)
    assert not torch.allclose(Gc(z, torch.zeros(3, dtype=torch.long)), Gc(z, torch.ones(3, dtype=torch.long)))
    x = torch.randn(3, *shape)
    assert not torch.allclose(Dc(x, torch.zeros(3, dtype=torch.long)), Dc(x, torch.ones(3, dtype=torch.long)))
    torch.manual_seed(0)
    G = build_generator({"name": "goodfellow", "latent_dim": 5, "hidden": [16], "noise": "uniform"}, shape, num_classes=10)
    torch.manual_seed(0)
    ref = nn.Sequential(nn.Linear(5, 16), nn.ReLU(True), nn.Linear(16, 3 * 64))
    nn.init.constant_(ref[-1].bias, -1.9)
    assert all(torch.equal(a, b) for a, b in zip(G.net.state_dict().values(), ref.state_dict().values()))
    z = torch.randn(4, 5)
    assert torch.equal(G(z), (2 * torch.sigmoid(ref(math.sqrt(3) * torch.erf(z / math.sqrt(2)))) - 1).reshape(4, *shape))
    D = build_discriminator({"name": "maxout", "units": [16], "pieces": 2}, shape, num_classes=10)
    assert set(D.state_dict()) == {"body.2.linear.weight", "body.2.linear.bias", "head.weight", "head.bias"} and not D.has_aux
