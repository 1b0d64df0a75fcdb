"""`divgan config`: the resolved config as valid YAML with every key's description and allowed values."""
import re

import pytest
import yaml

from divgan.cli import main
from divgan.config import Config, EvalConfig, ObjectiveConfig, OptimConfig, TrainConfig, load_config
from divgan.config_doc import describe


def lines_by_key(text):
    """'section.key' -> the line's comment, from the indentation of the printed YAML."""
    out, stack = {}, []
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"( *)([A-Za-z_0-9]+):(.*)", line)
        depth = len(m.group(1)) // 2
        stack = stack[:depth] + [m.group(2)]
        out[".".join(stack)] = m.group(3).split("  # ", 1)[1] if "  # " in m.group(3) else ""
    return out


@pytest.mark.parametrize("preset", ["ring", "mnist-dcgan"])
def test_config_output_is_the_resolved_config_as_yaml(preset, capsys):
    assert main(["config", preset, "--set", "train.steps=7", "--set", "optim.lr_g=3e-4"]) == 0
    text = capsys.readouterr().out
    cfg = Config(**yaml.safe_load(text))  # the comments are YAML comments: the output is a config file
    assert cfg == load_config(preset, ["train.steps=7", "optim.lr_g=3e-4"])
    assert cfg.train.steps == 7 and cfg.optim.lr_g == 3e-4


def test_every_key_is_listed_and_explained(capsys):
    main(["config", "mnist-dcgan"])
    keys = lines_by_key(capsys.readouterr().out)
    flat = {}

    def walk(d, prefix=""):
        for k, v in d.items():
            flat[prefix + k] = v
            if isinstance(v, dict):
                walk(v, prefix + k + ".")
    walk(load_config("mnist-dcgan").to_dict())
    assert set(keys) == set(flat)
    assert keys["train.precision"].endswith("one of: auto, fp32, bf16")
    assert keys["train.steps"] == "generator updates; integer ≥ 0"
    assert "> 0" in keys["optim.lr_g"] and "≤ 1" in keys["train.nan_lr_factor"]
    assert "one of: train, test, all" in keys["data.split"]  # the chosen component's own parameters
    assert "cifar10" in keys["data.name"] and "fgan" in keys["objective.name"] and "kl" in keys["objective.divergence"]
    assert keys["optim.betas"].endswith("list of 2 numbers")
    for section in ("tricks.unrolled.steps", "tricks.label_smoothing.real"):
        assert keys[section]


@pytest.mark.parametrize("model", [Config, TrainConfig, OptimConfig, EvalConfig, ObjectiveConfig])
def test_every_key_of_the_run_sections_has_a_description(model):
    for name, field in model.model_fields.items():
        assert field.description, f"{model.__name__}.{name}"


def test_config_of_a_bad_preset_is_one_line(capsys):
    assert main(["config", "no-such-preset"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown preset" in err and "ring" in err


def test_describe_has_a_title():
    assert describe(load_config(), "hello\nworld").startswith("# hello\n# world\n")


def test_train_help_points_to_divgan_config(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "divgan config" in capsys.readouterr().out
