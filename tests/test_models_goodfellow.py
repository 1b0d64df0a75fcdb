"""The Goodfellow et al. 2014 MNIST pair: ReLU 1200-1200 sigmoid-type generator on [-1, 1], maxout
discriminator (240 units × 5 pieces) with dropout."""
import torch

from divgan.models import build_discriminator, build_generator
from divgan.models.goodfellow import Maxout


def test_maxout_takes_the_max_over_pieces():
    m = Maxout(3, units=2, pieces=4)
    x = torch.randn(5, 3)
    pieces = m.linear(x).view(5, 2, 4)
    assert torch.equal(m(x), pieces.max(-1).values)


def test_maxout_gradient_flows_only_through_each_units_winning_piece():
    m = Maxout(3, units=2, pieces=4)
    x = torch.randn(5, 3)
    out = m.linear(x).view(5, 2, 4)
    win = torch.nn.functional.one_hot(out.argmax(-1), 4).float()  # which piece won, per sample and unit
    g = torch.randn(5, 2)
    m(x).backward(g)
    d_pieces = (g.unsqueeze(-1) * win).reshape(5, 8)  # d loss / d (linear output)
    assert torch.allclose(m.linear.weight.grad, d_pieces.T @ x, atol=1e-6)
    assert torch.allclose(m.linear.bias.grad, d_pieces.sum(0), atol=1e-6)


def test_shapes_range_and_dropout():
    torch.manual_seed(0)
    G = build_generator({"name": "goodfellow"}, (1, 28, 28))
    D = build_discriminator({"name": "maxout"}, (1, 28, 28))
    assert [m.out_features for m in G.modules() if isinstance(m, torch.nn.Linear)] == [1200, 1200, 784]
    assert [(m.units, m.pieces) for m in D.modules() if isinstance(m, Maxout)] == [(240, 5), (240, 5)]
    x = G(torch.randn(16, 100) * 10)
    assert x.shape == (16, 1, 28, 28) and x.min() >= -1 and x.max() <= 1
    D.eval()
    assert torch.equal(D(x), D(x))  # no dropout at evaluation
    D.train()
    assert not torch.equal(D(x), D(x))  # dropout while training
    out, feats = D(x, with_features=True)
    assert out.shape == (16,) and feats.shape == (16, 240)


def test_paper_init_range_and_uniform_noise():
    torch.manual_seed(0)
    G = build_generator({"name": "goodfellow", "init_range": 0.05, "noise": "uniform"}, (1, 28, 28))
    D = build_discriminator({"name": "maxout", "init_range": 0.005}, (1, 28, 28))
    for model, r in ((G, 0.05), (D, 0.005)):
        lins = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
        assert all(m.weight.abs().max() <= r for m in lins)
        assert all(m.weight.abs().max() > 0.9 * r for m in lins)  # U(−r, r) fills the interval, not a narrower init
    assert all(torch.equal(m.bias, torch.zeros_like(m.bias)) for m in D.modules() if isinstance(m, torch.nn.Linear))
    assert torch.equal(G.net[-1].bias, torch.full((784,), -1.9))  # the marginal bias survives the init
    # noise: uniform feeds the MLP √3·erf(z/√2): uniform on [−√3, √3] (mean 0, variance 1, flat histogram)
    small = build_generator({"name": "goodfellow", "hidden": [4], "noise": "uniform"}, (1, 2, 2))
    seen = []
    small.net.register_forward_hook(lambda m, inp, out: seen.append(inp[0]))
    small(torch.randn(20000, 100, generator=torch.Generator().manual_seed(1)))
    u = seen[0].flatten()
    assert u.abs().max() <= 3**0.5 and abs(u.mean()) < 0.01 and abs(u.var() - 1) < 0.01
    counts = torch.histc(u, bins=6, min=-3**0.5, max=3**0.5)
    assert (counts / len(u) - 1 / 6).abs().max() < 0.005
