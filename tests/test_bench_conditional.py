"""bench/conditional_prototype.py: the conditional pieces compose in Algorithm 1 (AC-GAN, InfoGAN, concat)
and train their heads; a tiny budget, so only behaviour is asserted, never quality."""
import importlib.util
from pathlib import Path

import torch

from divgan.config import load_config

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("conditional_prototype", REPO / "bench" / "conditional_prototype.py")
proto = importlib.util.module_from_spec(spec)
spec.loader.exec_module(proto)


def test_acgan_and_infogan_terms_train_every_head():
    cfg = load_config({"data": {"name": "ring"}, "train": {"batch_size": 32},
                       "generator": {"name": "mlp", "hidden": [16], "conditioning": "acgan",
                                     "codes": {"categorical": [3], "continuous": 1}},
                       "discriminator": {"name": "mlp", "hidden": [16], "conditioning": "acgan", "q_hidden": 8}})
    G0, D0, _, _ = proto.train(cfg, steps=0)  # the same initial weights (train seeds them)
    G, D, data, _ = proto.train(cfg, steps=5)
    assert G.num_classes == 8 and G.latent_dim == 2 + 3 + 1
    for head in ("aux.classifier.weight", "aux.q.2.weight", "projection", "label_embed"):
        if head in D.state_dict():
            assert not torch.equal(D.state_dict()[head], D0.state_dict()[head]), head
    assert "aux.classifier.weight" in D.state_dict() and "aux.q.2.weight" in D.state_dict()
    assert not torch.equal(G.state_dict()["net.0.weight"], G0.state_dict()["net.0.weight"])
    out = proto.evaluate(G, data, n=80)
    assert out["cond_modes_total"] == 8 and 0 <= out["cond_high_quality"] <= 100


def test_concat_ring_reports_component_coverage():
    cfg = load_config({"data": {"name": "ring"}, "train": {"batch_size": 16},
                       "generator": {"name": "mlp", "hidden": [8], "conditioning": "concat"},
                       "discriminator": {"name": "mlp", "hidden": [8], "conditioning": "concat"}})
    G, _, data, _ = proto.train(cfg, steps=3)
    out = proto.evaluate(G, data, n=40)
    assert set(f"cond_high_quality_{k}" for k in range(8)) <= set(out)
