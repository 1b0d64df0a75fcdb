"""The benchmark protocols: PacGAN's toy table, Stacked MNIST, quality against training time on MNIST,
and Goodfellow et al.'s Parzen table. Each states its sample count, metrics and the published rows it
is compared with (the paper and table they come from); docs/benchmark.md describes them."""
from __future__ import annotations

from . import Column, Protocol, Published, protocol

TOY_COLUMNS = (
    Column("modes", "modes", ".2f", "max"),
    Column("high_quality", "% high quality", ".1f", "max"),
    Column("kl_uniform", "KL(modes ‖ uniform)", ".3f", "min"),
)
PACGAN_T1 = "Lin et al. 2018 (PacGAN), Table 1"
PACGAN_T2 = "Lin et al. 2018 (PacGAN), Table 2 (VEEGAN protocol)"


@protocol("ring")
class Ring(Protocol):
    title = "Ring of 8 Gaussians (PacGAN Table 1): modes covered, % high-quality samples, KL(modes ‖ uniform)"
    configs = ("ring",)
    datasets = ("ring",)
    metrics = ("modes",)
    n_samples = 2500
    columns = TOY_COLUMNS
    published = (
        Published("PacGAN2", {"modes": (7.9, 0.1), "high_quality": (95.6, None), "kl_uniform": (0.07, None)}, PACGAN_T1),
        Published("GAN", {"modes": (6.3, None), "high_quality": (98.2, None), "kl_uniform": (0.45, None)}, PACGAN_T1),
    )
    notes = ("a sample is high quality within 3σ of its nearest mode; a mode is covered by one high-quality sample",)


@protocol("grid")
class Grid(Protocol):
    title = "Grid of 25 Gaussians (PacGAN Table 1): modes covered, % high-quality samples, KL(modes ‖ uniform)"
    configs = ("grid-rpgan",)
    datasets = ("grid",)
    metrics = ("modes",)
    n_samples = 2500
    columns = TOY_COLUMNS
    published = (
        Published("PacGAN4", {"modes": (24.8, 0.2), "high_quality": (93.6, None), "kl_uniform": (0.04, None)}, PACGAN_T1),
        Published("GAN", {"modes": (17.3, None), "high_quality": (94.8, None), "kl_uniform": (0.70, None)}, PACGAN_T1),
    )
    notes = Ring.notes


@protocol("stacked-mnist")
class StackedMNIST(Protocol):
    title = "Stacked MNIST (Metz et al. 2016; PacGAN Tables 2–3): modes covered of 1,000, KL(modes ‖ uniform)"
    configs = ("stacked-mnist-dcgan",)
    datasets = ("stacked_mnist",)
    metrics = ("stacked_modes",)
    n_samples = 26_000
    evaluator = "mnist"
    columns = (Column("modes", "modes (of 1,000)", ".1f", "max"), Column("kl_uniform", "KL(modes ‖ uniform)", ".3f", "min"))
    published = (
        Published("PacDCGAN2", {"modes": (1000, 0), "kl_uniform": (0.06, 0.003)}, PACGAN_T2),
        Published("Unrolled GAN", {"modes": (48.7, None), "kl_uniform": (4.32, None)}, PACGAN_T2),
        Published("DCGAN", {"modes": (99, None), "kl_uniform": (3.40, None)}, PACGAN_T2),
    )
    notes = ("each channel classified by divgan's MNIST evaluator (docs/protocols.md); the published rows used "
             "their own MNIST classifier",)

    def extra(self, n_samples: int) -> dict:
        # E[KL(empirical ‖ uniform)] ≈ (K − 1) / 2N for a perfect uniform sampler of N draws over K modes
        return {"KL floor of a perfect sampler, 999/(2N)": f"{999 / (2 * n_samples):.4f}"}


@protocol("mnist-minutes")
class MNISTMinutes(Protocol):
    title = "MNIST quality against training time: FID, KID, precision, recall, classes on divgan's MNIST features"
    configs = ("mnist-dcgan",)
    datasets = ("mnist",)
    metrics = ("features", "classes")
    n_samples = 10_000
    evaluator = "mnist"
    columns = (
        Column("fid", "FID", ".2f", "min"),
        Column("kid", "KID", ".4f", "min"),
        Column("precision", "precision", ".3f", "max"),
        Column("recall", "recall", ".3f", "max"),
        Column("classes_covered", "classes ≥ 1%", ".1f", "max"),
    )
    notes = ("each budget is a separate run stopped by train.minutes (wall-clock training time, evaluations "
             "included); features: divgan's MNIST evaluator (128-d), not Inception: not comparable to published FIDs",)
    default_minutes = (1.0, 2.0, 5.0, 10.0)

    def budgets(self, minutes):
        return list(minutes or self.default_minutes)


@protocol("parzen")
class Parzen(Protocol):
    title = "Parzen-window log-likelihood of MNIST test images (Goodfellow et al. 2014, Table 1)"
    configs = ("mnist-goodfellow",)
    datasets = ("mnist",)
    metrics = ("parzen",)
    n_samples = 10_000
    columns = (Column("parzen_ll", "Parzen log-likelihood (nats)", ".1f", "max"),
               Column("parzen_se", "s.e. over test images", ".2f", "min"))
    published = (Published("GAN (Goodfellow et al.)", {"parzen_ll": (225, 2)}, "Goodfellow et al. 2014, Table 1"),)
    notes = ("images in [0, 1]; σ chosen from logspace(-1, 0, 10) on 1,000 validation images: training images held "
             "out by data.limit (mnist-goodfellow: 50,000–50,999, the paper's), else 1,000 the run trained on; "
             "the published ± is the s.e. over "
             "test images; divgan's ± is the s.e. over seeds",)
