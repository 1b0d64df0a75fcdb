import json

import pytest

from divgan.cli import main
from divgan.commands.zoo import TECHNIQUES, mean_se, table
from divgan.config import load_config
from tricks_helpers import TINY  # noqa: F401  (one thread per test process)


def test_mean_and_standard_error():
    m, se = mean_se([1.0, 2.0, 3.0, 6.0])
    assert m == 3.0 and se == pytest.approx((14 / 3) ** 0.5 / 2)
    assert mean_se([5.0]) == (5.0, 0.0)


def test_table_rows():
    rs = [{"technique": t, "seed": s, "modes": m, "modes_total": 25, "high_quality": 50.0, "kl_uniform": 0.1, "seconds": 1.0}
          for t, s, m in (("vanilla", 0, 10), ("vanilla", 1, 12), ("unrolled", 0, 20), ("unrolled", 1, 22))]
    lines = table(rs, ["vanilla", "unrolled"]).splitlines()
    assert "modes (of 25)" in lines[0]
    assert lines[2].startswith("vanilla") and "11.0 ± 1.0" in lines[2]
    assert lines[3].startswith("unrolled") and "21.0 ± 1.0" in lines[3]


def test_every_technique_is_a_valid_config_and_the_unrolled_preset_matches():
    from divgan.tricks import TRICKS
    from divgan.zoo import BASES, LECTURE_TECHNIQUES, MODERN_TECHNIQUES, overrides

    assert set(LECTURE_TECHNIQUES) | set(MODERN_TECHNIQUES) == set(TECHNIQUES)
    for tech in TECHNIQUES:
        for data in ("ring", "grid"):
            sets = overrides(tech, data)
            load_config(BASES[data], sets)  # valid config on both bases
            assert not any("{" in o for o in sets)
        if tech in LECTURE_TECHNIQUES:  # the lecture's six are tricks of the same name
            assert tech == "vanilla" or all(o.startswith(f"tricks.{tech}.") for o in sets)
        else:  # the modern ones change the objective or switch on registered tricks
            assert any(o.startswith("objective.") or o.split(".")[1] in TRICKS for o in sets)
    assert load_config("ring", overrides("r1", "ring")).tricks.gradient_penalty.weight == 0.001
    assert load_config("grid-vanilla", overrides("r1", "grid")).tricks.gradient_penalty.weight == 0.1
    assert load_config("grid-vanilla", TECHNIQUES["unrolled"]) == load_config("grid-unrolled").model_copy(
        update={"description": load_config("grid-vanilla").description})


def test_zoo_command_prints_the_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "zoo.json"
    assert main(["zoo", "--data", "ring", "--seeds", "2", "--steps", "3", "--techniques", "vanilla,unrolled",
                 "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "modes (of 8)" in text and "unrolled" in text and "vanilla" in text
    runs = json.loads(out.read_text())["runs"]
    assert [(r["technique"], r["seed"]) for r in runs] == [("vanilla", 0), ("vanilla", 1), ("unrolled", 0), ("unrolled", 1)]
    assert all(0 <= r["modes"] <= 8 for r in runs)


def test_zoo_rejects_unknown_techniques(capsys):
    assert main(["zoo", "--techniques", "vanilla,dropout"]) == 2
    err = capsys.readouterr().err
    assert "unknown 'dropout'" in err and len(err.strip().splitlines()) == 1


def test_unrolling_figure(tmp_path):
    from divgan.viz.zoo import sample_history

    trainer, history = sample_history("ring-unrolled-metz", steps=4, unroll=2, panels=3, n_points=50,
                                      overrides=["generator.latent_dim=8", "train.batch_size=32"])
    assert [s for s, _ in history] == [0, 2, 4] and history[0][1].shape == (50, 2)
    assert trainer.tricks.active["unrolled"].p.steps == 2
    path = tmp_path / "fig1.png"
    assert main(["zoo", "--figure", str(path), "--steps", "2", "--panels", "2", "--unroll", "1"]) == 0
    assert path.stat().st_size > 1000


def test_bad_override_fails_before_training(capsys):
    assert main(["zoo", "--set", "train.nope=1"]) == 2
    assert "train.nope" in capsys.readouterr().err


def test_every_trick_is_in_the_resolved_config_and_off_by_default():
    from divgan.tricks import TRICKS
    from tricks_helpers import tiny_trainer

    names = {"instance_noise", "feature_matching", "historical_averaging", "minibatch_discrimination",
             "label_smoothing", "unrolled"}
    assert names <= set(TRICKS.names()) and names <= set(TECHNIQUES)
    assert names <= set(load_config("ring").to_dict()["tricks"])
    assert not tiny_trainer().tricks.active
