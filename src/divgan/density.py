"""Old name of ``divgan.estimators`` (density and divergence *estimators*), kept as an alias."""
import sys

from . import estimators

sys.modules[__name__] = estimators
