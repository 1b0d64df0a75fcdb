"""Weight clipping: D's weights stay in [−c, c]; any objective but an IPM critic is one line."""
import pytest
from tricks_helpers import run_steps, tiny_trainer

from divgan.errors import DivganError


def test_weights_stay_clipped_and_compose_with_a_lecture_trick():
    t = run_steps(tiny_trainer("objective.name=wasserstein", "tricks.weight_clipping.clip=0.01",
                               "tricks.instance_noise.sigma=0.05", "tricks.gradient_penalty.kind=r1"), 3)
    assert max(p.abs().max().item() for p in t.D.parameters()) <= 0.01


def test_needs_an_ipm_critic():
    with pytest.raises(DivganError, match="weight_clipping needs an IPM critic objective \\(wasserstein\\); objective.name is 'hinge'"):
        tiny_trainer("objective.name=hinge", "tricks.weight_clipping.clip=0.01")
