"""The lecture's sections (moved to ``divgan.lecture.sections``; this name is kept for old imports)."""
from .lecture.sections import *  # noqa: F401,F403
