"""Typed config: presets, --set overrides, the resolved config, one-line errors naming the key."""
import pytest
import yaml

from divgan.config import Config, load_config, preset_descriptions, preset_names
from divgan.errors import DivganError


def test_default_is_the_ring_and_every_section_is_resolved():
    cfg = load_config()
    assert cfg.data["name"] == "ring" and cfg.data["std"] == 0.01 and cfg.data["radius"] == 1.0
    d = yaml.safe_load(cfg.to_yaml())
    for section in ("seed", "data", "generator", "discriminator", "objective", "tricks", "optim", "train", "eval"):
        assert section in d
    assert "steps" in d["train"] and "d_steps" in d["train"] and "batch_size" in d["train"]
    assert Config(**d) == cfg  # the resolved config round-trips


def test_overrides_are_typed_and_dotted():
    cfg = load_config("ring", ["train.steps=12", "optim.lr_g=1e-4", "generator.hidden=[8, 8]", "data.radius=2"])
    assert cfg.train.steps == 12 and cfg.optim.lr_g == 1e-4
    assert cfg.generator["hidden"] == [8, 8] and cfg.data["radius"] == 2.0


@pytest.mark.parametrize("override, fragment", [
    ("train.stepz=3", "train.stepz"),
    ("data.radiuss=2", "data.radiuss"),
    ("optim.name=rmsprop", "'adam' or 'sgd'"),
    ("data.name=nope", "allowed: "),
    ("objective.divergence=nope", "kl, reverse_kl"),
    ("train.steps=-5", "train.steps"),
    ("bogus=1", "bogus"),
])
def test_bad_values_give_one_line_naming_key_and_allowed(override, fragment):
    with pytest.raises(DivganError) as e:
        load_config("ring", [override])
    msg = str(e.value)
    assert fragment in msg and "\n" not in msg


def test_unknown_key_lists_allowed_keys():
    with pytest.raises(DivganError, match="allowed here: steps, minutes, batch_size"):
        load_config("ring", ["train.stepz=3"])


def test_yaml_file_with_base_preset(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("base: ring\ntrain: {steps: 7}\n")
    cfg = load_config(str(p))
    assert cfg.train.steps == 7 and cfg.data["name"] == "ring"


def test_every_preset_validates_and_has_a_description():
    assert "ring" in preset_names()
    for name, desc in preset_descriptions().items():
        load_config(name)
        assert desc.strip(), name


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(DivganError, match="not found"):
        load_config(str(tmp_path / "nope.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: [unclosed\n")
    with pytest.raises(DivganError, match="not valid YAML"):
        load_config(str(bad))


@pytest.mark.parametrize("shadow", ["folder", "file"])
def test_a_folder_or_file_named_like_a_preset_does_not_shadow_it(tmp_path, monkeypatch, capsys, shadow):
    monkeypatch.chdir(tmp_path)
    if shadow == "folder":
        (tmp_path / "ring").mkdir()  # what `divgan train --out ring` leaves behind
    else:
        (tmp_path / "ring").write_text("train: {steps: 3}\n")
    assert load_config("ring").data["name"] == "ring" and load_config("ring").train.steps == load_config().train.steps
    (tmp_path / "c.yaml").write_text("base: ring\ntrain: {steps: 7}\n")
    assert load_config("c.yaml").train.steps == 7
    assert load_config({"base": "ring"}).data["name"] == "ring"
    err = capsys.readouterr().err
    assert ("using the preset" in err) == (shadow == "file")
    if shadow == "file":
        assert load_config("./ring").train.steps == 3  # a path names the file


def test_a_folder_is_not_taken_for_a_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    with pytest.raises(DivganError, match="'runs' is a folder, not a preset or YAML file; presets: .*ring"):
        load_config("runs")


def test_a_wrong_base_names_the_base_key_and_lists_presets(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("base: nonexistent\ntrain: {steps: 7}\n")
    with pytest.raises(DivganError) as e:
        load_config(str(p))
    msg = str(e.value)
    assert "base: unknown preset or config file 'nonexistent'" in msg and str(p) in msg and "ring" in msg
    with pytest.raises(DivganError, match="^base: unknown preset"):
        load_config({"base": "nonexistent"})


def test_yaml_errors_give_the_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: 1\ntrain:\n  steps: 3\n   batch_size: 4\n")
    with pytest.raises(DivganError, match=r"bad.yaml: not valid YAML at line 4, column \d+: "):
        load_config(str(bad))


def test_the_cli_in_a_folder_holding_a_run_named_ring(tmp_path, monkeypatch, capsys):
    from divgan.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "ring" / "checkpoints").mkdir(parents=True)  # as `divgan train --out ring` leaves it
    assert main(["config"]) == 0 and main(["config", "ring"]) == 0
    assert "name: ring" in capsys.readouterr().out
