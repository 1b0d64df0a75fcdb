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
