"""One-sided label smoothing (Salimans et al. 2016): real targets 0.9 instead of 1, fakes stay 0.

Defined for the objectives whose discriminator is a binary classifier (minimax, nonsaturating)."""
from pydantic import Field

from ..errors import DivganError
from ..params import Params
from . import TRICKS, Trick


@TRICKS.register("label_smoothing")
class LabelSmoothing(Trick):
    class Params(Params):
        real: float = Field(1.0, gt=0.0, le=1.0, description="target for real samples; 1 = off, 0.9 usual")

    @staticmethod
    def enabled(p) -> bool:
        return p.real < 1.0

    def __init__(self, params, trainer):
        super().__init__(params, trainer)
        if not trainer.objective.supports_label_smoothing:
            raise DivganError(
                f"tricks.label_smoothing is not defined for objective {trainer.cfg.objective.name!r}; "
                "use it with minimax or nonsaturating"
            )
        self.real_target = params.real
