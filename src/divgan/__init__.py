"""divgan: GANs as learned divergences.

    import divgan
    run = divgan.train("ring", out="runs/ring")      # preset name, YAML path, dict or Config
    G = divgan.load("runs/ring")                      # the trained generator
"""
__version__ = "0.1.0"

from .api import Run, load, load_trainer, resume, train  # noqa: E402,F401
from .config import Config, load_config  # noqa: E402,F401
from .errors import DivganError  # noqa: E402,F401
