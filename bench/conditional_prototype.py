"""A stand-alone reference loop for conditional GANs (until the trainer is wired: docs/conditional.md).

It uses exactly the library pieces the trainer will use — the data's labels, ``build_generator`` /
``build_discriminator`` with ``num_classes`` and ``codes``, the objective's pure losses, ``acgan_loss``
and ``info_loss`` — in Goodfellow's Algorithm 1 with one D and one G step, fp32, no tricks, so that the
wiring can be checked (and measured) before it lands in the loop. Not a feature: no checkpoints.

    PYTHONPATH=src OMP_NUM_THREADS=1 python bench/conditional_prototype.py CONFIG.yaml --steps 2000

Prints, for a toy config, ``component_coverage`` of samples asked for each component; for an image
config with a divgan evaluator (``divgan evaluator train digits``), the conditional accuracy and the
intra-class FID, or, for InfoGAN codes, the agreement of the categorical code with the classifier
under the best code→class matching.
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from divgan.auxiliary import acgan_loss, info_loss
from divgan.config import load_config
from divgan.data import build_dataset
from divgan.models import build_discriminator, build_generator
from divgan.models.conditioning import sample_latent, sample_labels
from divgan.objectives import build_objective


def train(cfg, steps: int, root: str | None = None):
    torch.manual_seed(cfg.seed * 1009)
    gen = torch.Generator().manual_seed(cfg.seed * 1000003)
    data_section = {**cfg.data, **({"root": root} if root else {})}
    data = build_dataset(data_section, seed=cfg.seed)
    G = build_generator(cfg.generator, data.shape, num_classes=data.num_classes)
    D = build_discriminator(cfg.discriminator, data.shape, num_classes=data.num_classes,
                            codes=G.codes.spec if G.codes else None)
    K = G.num_classes  # None: label-free (InfoGAN or unconditional)
    aux = getattr(D, "aux", None) is not None
    obj = build_objective(cfg.objective)
    o = cfg.optim
    opt_g = torch.optim.Adam(G.parameters(), lr=o.lr_g, betas=tuple(o.betas))
    opt_d = torch.optim.Adam(D.parameters(), lr=o.lr_d, betas=tuple(o.betas))
    n = cfg.train.batch_size

    def fakes():
        z = sample_latent(G, n, gen)
        y = sample_labels(n, K, gen) if K else None
        return (G(z, y) if K else G(z)), z, y

    def critic(x, y):
        return D(x, y if D.num_classes else None, with_aux=True)

    def extra(heads, z, y, labels_ok=True):
        loss = 0.0
        if heads.class_logits is not None and labels_ok:
            loss = loss + acgan_loss(heads.class_logits, y, D.aux_weight)
        if heads.code_logits is not None:
            loss = loss + info_loss(heads, G.codes.split(z), G.codes.spec)
        return loss

    t0 = time.time()
    for _ in range(steps):
        x, y_real = data.sample(n, gen, labels=True)
        with torch.no_grad():
            fake, z, y_fake = fakes()
        (d_real, a_real), (d_fake, a_fake) = critic(x, y_real), critic(fake, y_fake)
        loss = obj.d_loss(d_real, d_fake)
        if aux:
            loss = loss + extra(a_fake, z, y_fake)
            if a_real.class_logits is not None:
                loss = loss + acgan_loss(a_real.class_logits, y_real, D.aux_weight)
        opt_d.zero_grad(set_to_none=True)
        loss.backward()
        opt_d.step()
        fake, z, y_fake = fakes()
        D.requires_grad_(False)
        out, heads = critic(fake, y_fake)
        g_loss = obj.g_loss(out) + (extra(heads, z, y_fake) if aux else 0.0)
        D.requires_grad_(True)
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
    return G, D, data, time.time() - t0


@torch.no_grad()
def evaluate(G, data, n: int = 2000) -> dict:
    from divgan.metrics.conditional import component_coverage, conditional_accuracy_of, intra_class_fid_of

    G.eval()
    g = torch.Generator().manual_seed(99)
    z = sample_latent(G, n, g)
    if G.num_classes:
        y = torch.arange(n) % G.num_classes
        x = G(z, y)
        if data.kind == "toy":
            return component_coverage(x, y, data.means, data.std)
        ev = _evaluator(data)
        return {**conditional_accuracy_of(ev, x, y), **intra_class_fid_of(ev, x, y, data.images, data.labels)}
    if G.codes is not None and G.codes.spec.categorical:
        from scipy.optimize import linear_sum_assignment

        x = G(z)
        code = G.codes.split(z).categorical[:, 0]
        pred = _evaluator(data).predict(x)
        k = G.codes.spec.categorical[0]
        counts = torch.zeros(k, 10)
        counts.index_put_((code, pred), torch.ones(n), accumulate=True)
        rows, cols = linear_sum_assignment(-counts.numpy())
        return {"code_class_agreement": float(counts[rows, cols].sum() / n), "matching": dict(zip(rows.tolist(), cols.tolist()))}
    return {}


def _evaluator(data):
    from divgan.evaluator import load_evaluator

    return load_evaluator({10: "digits"}.get(data.num_classes, "digits") if data.shape[-1] <= 16 else "mnist")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--root", default=None)
    ap.add_argument("--set", action="append", default=[])
    a = ap.parse_args()
    torch.set_num_threads(1)
    cfg = load_config(a.config, a.set)
    G, _, data, secs = train(cfg, a.steps or cfg.train.steps, a.root)
    print(json.dumps({"config": a.config, "steps": a.steps or cfg.train.steps, "seconds": round(secs, 1), **evaluate(G, data)}))


if __name__ == "__main__":
    main()
