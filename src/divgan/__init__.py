"""divgan: GANs as learned divergences.

    import divgan
    run = divgan.train("ring", out="runs/ring")      # preset name, YAML path, dict or Config
    G = divgan.load("runs/ring")                      # the trained generator
    x = divgan.sample("runs/digits-cgan", 16, labels=3)  # conditional runs: 16 samples of class 3
"""
__version__ = "0.1.0"

from .api import Run, load, load_trainer, resume, sample, train  # noqa: E402,F401
from .config import Config, load_config  # noqa: E402,F401
from .errors import DivganError  # noqa: E402,F401
