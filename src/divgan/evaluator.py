"""divgan's own domain evaluators: a small CNN classifier per image dataset, trained by divgan.

``divgan evaluator train mnist|fashion|digits`` trains it (a minute or two on a CPU; ≥ 99% test
accuracy on MNIST) and caches it in the user cache folder (``$DIVGAN_CACHE/evaluators``, default
``~/.cache/divgan/cache/evaluators``). A trained evaluator is

- a feature extractor (its 128-d penultimate layer) for FID / KID / precision–recall, registered in
  torch-fidelity's registry as ``divgan-<dataset>`` by :mod:`divgan.metrics.features`;
- a classifier: classifier score (the Inception score with this classifier), classes covered;
- the Stacked-MNIST channel classifier (the MNIST evaluator applied to each of the three channels).

Images go in as floats in [-1, 1] (divgan's image convention), shape N×1×H×W.
"""
from __future__ import annotations

import sys
from pathlib import Path

import torch
from torch import nn
from tqdm import tqdm

from .data import build_dataset
from .data.images import cache_dir, to_float
from .errors import DivganError
from .io import atomic_save

FORMAT = "divgan-evaluator-1"
EVALUATOR_DATASETS = ("mnist", "fashion", "digits")
_DATASET = {"mnist": "mnist", "fashion": "fashion_mnist", "digits": "digits"}
DEFAULT_EPOCHS = {"mnist": 3, "fashion": 5, "digits": 40}


def evaluator_path(name: str) -> Path:
    return cache_dir() / "evaluators" / f"{canonical(name)}.pt"


def canonical(name: str) -> str:
    """The evaluator name of a dataset name ("fashion_mnist" -> "fashion")."""
    name = {"fashion_mnist": "fashion"}.get(name, name)
    if name not in EVALUATOR_DATASETS:
        raise DivganError(f"no evaluator for dataset {name!r}; allowed: {', '.join(EVALUATOR_DATASETS)}")
    return name


def labelled_images(name: str, split: str, root: str | Path | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(uint8 images N×1×H×W, int64 labels) of ``split`` ("train" or "test") of an evaluator dataset,
    through divgan's datasets (``root`` as ``data.root``); ``digits`` has one set, split 80/20 with a
    fixed permutation."""
    name = canonical(name)
    section = {"name": _DATASET[name], "root": str(root) if root else None}
    if name == "digits":
        ds = build_dataset(section)
        perm = torch.randperm(len(ds.images), generator=torch.Generator().manual_seed(0))
        cut = int(0.8 * len(perm))
        idx = perm[:cut] if split == "train" else perm[cut:]
        return ds.images[idx], ds.labels[idx]
    ds = build_dataset({**section, "split": split})
    return ds.images, ds.labels


def as_float(x: torch.Tensor) -> torch.Tensor:
    """uint8 0..255 -> float in [-1, 1]; float images pass through."""
    return to_float(x) if x.dtype == torch.uint8 else x.float()


# ---------------------------------------------------------------- the network


class EvaluatorNet(nn.Module):
    """Two strided convolutions, fc(128), fc(classes): small enough to train in a minute on a CPU."""

    def __init__(self, channels: int = 1, size: int = 28, classes: int = 10, width: int = 32, feature_dim: int = 128):
        super().__init__()
        self.arch = {"channels": channels, "size": size, "classes": classes, "width": width, "feature_dim": feature_dim}
        self.body = nn.Sequential(
            nn.Conv2d(channels, width, 4, 2, 1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 4, 2, 1), nn.ReLU(),
            nn.Flatten(), nn.Linear(2 * width * (size // 4) ** 2, feature_dim), nn.ReLU(),
        )
        self.head = nn.Linear(feature_dim, classes)
        # set after training so that features have unit root-mean-square on the training images:
        # FID / KID values then do not depend on the arbitrary scale of the trained layer
        self.register_buffer("feature_scale", torch.ones(()))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(features, logits) of images in [-1, 1]."""
        h = self.body(x)
        return h / self.feature_scale, self.head(h)


class Evaluator:
    """A trained evaluator: batched features / logits / predictions of images (uint8 or [-1, 1])."""

    def __init__(self, net: EvaluatorNet, info: dict):
        self.net = net.eval().requires_grad_(False)
        self.info = info
        self.name = info["dataset"]
        self.size = net.arch["size"]
        self.classes = net.arch["classes"]

    @torch.no_grad()
    def run(self, x: torch.Tensor, batch: int = 2000) -> tuple[torch.Tensor, torch.Tensor]:
        """(features N×F, logits N×K) for single-channel images N×1×H×W (resized to the evaluator's size)."""
        if x.dim() != 4 or x.shape[1] != 1:
            raise DivganError(f"the {self.name} evaluator takes N×1×H×W images, got {tuple(x.shape)}")
        feats, logits = zip(*(self.net(self.resize(as_float(c))) for c in x.split(batch)))
        return torch.cat(feats), torch.cat(logits)

    def resize(self, x: torch.Tensor) -> torch.Tensor:
        """Images of another size (e.g. digits trained at 16×16) resized to the evaluator's."""
        if x.shape[-1] == self.size and x.shape[-2] == self.size:
            return x
        return nn.functional.interpolate(x, size=(self.size, self.size), mode="bilinear", antialias=True, align_corners=False)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.run(x)[0]

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.run(x)[1]

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(x).argmax(1)

    def predict_channels(self, x: torch.Tensor) -> torch.Tensor:
        """Per-channel labels N×C of C-channel images (Stacked MNIST: one digit per channel)."""
        return torch.stack([self.predict(x[:, c: c + 1]) for c in range(x.shape[1])], 1)


# ---------------------------------------------------------------- training and loading


def accuracy(ev: Evaluator, x: torch.Tensor, y: torch.Tensor) -> float:
    return float((ev.predict(x) == y).float().mean())


def train_evaluator(name: str, root: str | Path | None = None, epochs: int | None = None, batch_size: int = 64, lr: float = 2e-3,
                    limit: int | None = None, seed: int = 0, path: Path | None = None, progress: bool = True) -> dict:
    """Train the evaluator of ``name``, save it (atomically) to ``path`` (default: the cache) and
    return its info (test accuracy included). ``limit`` caps the training images (for quick tests)."""
    x, y = labelled_images(name, "train", root)
    xt, yt = labelled_images(name, "test", root)
    if limit:
        x, y = x[:limit], y[:limit]
    epochs = epochs or DEFAULT_EPOCHS[name]
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    net = EvaluatorNet(channels=x.shape[1], size=x.shape[-1], classes=int(y.max()) + 1)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    steps = epochs * ((len(x) + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    bar = tqdm(total=steps, desc=f"evaluator {name}", unit="step", disable=not progress, file=sys.stderr, mininterval=0.5)
    net.train()
    for _ in range(epochs):
        for idx in torch.randperm(len(x), generator=g).split(batch_size):
            xb = to_float(x[idx])
            # a little shift augmentation: robust to the small misalignments of generated digits
            dx, dy = torch.randint(-1, 2, (2,), generator=g).tolist()
            xb = torch.roll(xb, (dx, dy), (2, 3))
            loss = nn.functional.cross_entropy(net(xb)[1], y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    bar.close()
    ev = Evaluator(net, {"dataset": name})
    net.feature_scale.fill_(float(ev.features(x[:10_000]).pow(2).mean().sqrt()))
    info = {"dataset": name, "test_accuracy": accuracy(ev, xt, yt), "train_images": len(x), "test_images": len(xt),
            "epochs": epochs, "seed": seed}
    path = Path(path) if path else evaluator_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_save({"format": FORMAT, "info": info, "arch": net.arch, "state": net.state_dict()}, path)
    return {**info, "path": str(path)}


def load_evaluator(name: str, path: str | Path | None = None) -> Evaluator:
    """The cached evaluator of ``name`` (or the one at ``path``); one clear error if there is none."""
    name = canonical(name)
    path = Path(path) if path else evaluator_path(name)
    if not path.is_file():
        raise DivganError(f"no {name} evaluator at {path}; train it first with: divgan evaluator train {name}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        if state.get("format") != FORMAT:
            raise ValueError("not a divgan evaluator")
        net = EvaluatorNet(**state["arch"])
        net.load_state_dict(state["state"])
    except Exception as e:
        raise DivganError(f"{path} is damaged or not a divgan evaluator ({str(e).splitlines()[0][:120]})") from None
    return Evaluator(net, state["info"])


def evaluator_for(dataset: str) -> str | None:
    """The evaluator that serves a training dataset (Stacked MNIST uses the MNIST one per channel)."""
    return {"mnist": "mnist", "stacked_mnist": "mnist", "fashion_mnist": "fashion", "digits": "digits"}.get(dataset)
