"""DiffAugment: the augmentations are differentiable, shaped right and random per sample; vector data
accepts only translation; every D input (real and fake, both steps) goes through it."""
import pytest
import torch
from tricks_helpers import run_steps, tiny_trainer

from divgan.errors import DivganError
from divgan.tricks.diffaugment import color, cutout, translation


def test_image_augmentations_are_differentiable_and_per_sample():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(6, 3, 8, 8, requires_grad=True)
    t = translation(x, g, 0.25)
    shifted = [torch.equal(t[i], x[i]) for i in range(6)]
    assert t.shape == x.shape and not all(shifted)
    c = cutout(x, g, 0.5)
    assert ((c == 0).reshape(6, -1).sum(1) >= 3 * 4).all()  # at least a quarter-size square per image, 3 channels
    (color(x, g).sum() + t.sum() + c.sum()).backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_translation_moves_content_by_whole_pixels():
    g = torch.Generator().manual_seed(1)
    x = torch.zeros(50, 1, 8, 8)
    x[:, 0, 4, 4] = 1.0
    t = translation(x, g, 0.25)  # up to 2 pixels each way
    assert (t.sum(dim=(1, 2, 3)) == 1).all()  # the dot never leaves the image
    pos = t.reshape(50, -1).argmax(1)
    rows, cols = pos // 8, pos % 8
    assert rows.min() >= 2 and rows.max() <= 6 and cols.min() >= 2 and cols.max() <= 6 and len(set(pos.tolist())) > 5


def test_every_d_input_is_augmented_in_both_steps():
    t = tiny_trainer("tricks.diffaugment.policy=[translation]", "tricks.diffaugment.vector_shift=0.1",
                     "objective.name=relativistic")
    calls = []
    t.D.register_forward_pre_hook(lambda mod, args: calls.append(args[0].detach()))
    real = t.real_batch()
    aug = t.discriminate(t.D, real)
    assert not torch.equal(calls[-1], real) and (calls[-1] - real).abs().max() <= 0.1
    run_steps(t, 1)
    assert len(calls) == 1 + 2 + 2  # D step: real and fake; G step: fake and (relativistic) real
    assert aug.shape == (real.shape[0],)


def test_vector_data_refuses_colour_and_cutout():
    with pytest.raises(DivganError, match="for vector data only 'translation' applies"):
        tiny_trainer("tricks.diffaugment.policy=[color,translation]")


def test_diffaugment_composes_with_objectives_and_a_lecture_trick():
    for objective in ("wasserstein", "least_squares"):
        run_steps(tiny_trainer("tricks.diffaugment.policy=translation", f"objective.name={objective}",
                               "tricks.historical_averaging.d=0.001", "tricks.gradient_penalty.kind=r1"), 2)


def test_image_policy_runs_in_training():
    from test_tricks_packing import image_trainer

    t = image_trainer("tricks.diffaugment.policy=[color,translation,cutout]")
    x = t.real_batch()
    assert t.tricks.d_input(x, 0).shape == x.shape
    run_steps(t, 1)
