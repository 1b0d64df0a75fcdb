"""The typed run configuration, presets, and ``--set key=value`` overrides.

A config has the sections ``seed, data, generator, discriminator, objective, tricks, optim, train,
eval``. Component sections (data, generator, discriminator) are ``{name: ..., **params}`` validated
against the registered component's ``Params``. Every unknown key or bad value raises ``DivganError``
with one line naming the key and what is allowed.
"""
from __future__ import annotations

import copy
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, Field, ValidationError, create_model, field_validator, model_validator

from .data import DATASETS
from .divergences import DIVERGENCES
from .errors import DivganError
from .models import DISCRIMINATORS, GENERATORS
from .objectives import OBJECTIVES
from .params import Params
from .registry import Registry
from .tricks import TRICKS

DEFAULT_PRESET = "ring"


def _component(section: str, registry: Registry, default: str):
    """A validator for a ``{name, **params}`` section against ``registry[name].Params``."""

    def validate(value: Any) -> dict:
        if not isinstance(value, dict):
            raise ValueError(f"{section} must be a mapping with a 'name' key")
        value = dict(value)
        name = value.pop("name", default)
        if name not in registry:
            raise ValueError(f"{section}.name: unknown {registry.kind} {name!r}; allowed: {', '.join(registry.names())}")
        model = registry[name].Params
        unknown = sorted(set(value) - set(model.model_fields))
        if unknown:
            raise ValueError(
                f"{section}.{unknown[0]}: unknown key for {registry.kind} {name!r}; "
                f"allowed: {', '.join(model.model_fields)}"
            )
        try:
            params = model(**value)
        except ValidationError as e:
            err = e.errors()[0]
            key = ".".join(str(p) for p in err["loc"])
            raise ValueError(f"{section}.{key}: {err['msg']} (got {err.get('input')!r})") from None
        return {"name": name, **params.model_dump()}

    return Annotated[dict, AfterValidator(validate)]


class ObjectiveConfig(Params):
    name: str = Field("nonsaturating", description="the game's loss pair")
    divergence: str = Field("gan", description="the f-divergence of objective fgan")
    generator_loss: Literal["alternative", "saturating"] = Field(
        "alternative", description="objective fgan: G minimises -f*(T) (alternative) or the saddle value (saturating)")
    a: float = Field(0.0, description="least_squares: D's target for fakes")
    b: float = Field(1.0, description="least_squares: D's target for reals")
    c: float = Field(1.0, description="least_squares: G's target for its fakes")
    averaged: bool = Field(False, description="relativistic: RaGAN (against the other side's batch mean) "
                                              "instead of paired RpGAN")

    @field_validator("name")
    @classmethod
    def _name(cls, v):
        if v not in OBJECTIVES:
            raise ValueError(f"unknown objective {v!r}; allowed: {', '.join(OBJECTIVES.names())}")
        return v

    @field_validator("divergence")
    @classmethod
    def _div(cls, v):
        if v not in DIVERGENCES:
            raise ValueError(f"unknown divergence {v!r}; allowed: {', '.join(DIVERGENCES.names())}")
        return v


class OptimConfig(Params):
    name: Literal["adam", "sgd"] = Field("adam", description="optimiser of both players")
    lr_g: float = Field(1e-3, gt=0, description="generator learning rate")
    lr_d: float = Field(1e-3, gt=0, description="discriminator learning rate")
    betas: tuple[float, float] = Field((0.5, 0.999), description="Adam's (β1, β2)")
    momentum: float = Field(0.9, ge=0, lt=1, description="SGD momentum")
    momentum_final: float | None = Field(None, ge=0, lt=1, description="SGD momentum reached at step momentum_steps, "
                                         "rising linearly from momentum (Goodfellow et al.: 0.5 -> 0.7); null = constant")
    momentum_steps: int = Field(0, ge=0, description="steps of the momentum ramp to momentum_final (divgan.train.schedule)")
    schedule: Literal["constant", "linear", "cosine", "exponential"] = Field(
        "constant", description="learning-rate schedule, both players: constant; linear or cosine decay to "
                                "final_ratio × lr at train.steps; exponential: lr/decay_factor^t, floored at "
                                "final_ratio × lr (divgan.train.schedule)")
    warmup: int = Field(0, ge=0, description="steps of linear learning-rate warm-up from lr/warmup to lr (0 = none)")
    final_ratio: float = Field(0.0, ge=0, le=1, description="linear/cosine: lr at train.steps as a fraction of lr; "
                                                            "exponential: the floor, as a fraction of lr")
    decay_factor: float = Field(1.0, ge=1, description="exponential schedule: lr divided by this each step "
                                                       "(Goodfellow et al.: 1.000004)")
    decay_steps: int = Field(0, ge=0, description="decay over only the last decay_steps of train.steps, lr held before "
                                                  "(warmup-stable-decay); 0 = over all steps after the warm-up. "
                                                  "Counted from train.steps, so a train.minutes budget that stops "
                                                  "earlier never decays")

    @model_validator(mode="after")
    def _schedules(self):
        if self.momentum_final is not None and self.name != "sgd":
            raise ValueError(f"optim.momentum_final: a momentum schedule needs optim.name sgd, got {self.name!r}")
        if self.momentum_final is not None and self.momentum_steps < 1:
            raise ValueError("optim.momentum_steps: the momentum ramp to momentum_final needs at least 1 step")
        if self.schedule == "exponential" and self.decay_factor <= 1:
            raise ValueError(f"optim.decay_factor: the exponential schedule needs a factor > 1, got {self.decay_factor}")
        if self.decay_steps > 0 and self.schedule == "constant":
            raise ValueError("optim.decay_steps: a constant schedule has no decay; set optim.schedule to linear, "
                             "cosine or exponential")
        return self


class TrainConfig(Params):
    steps: int = Field(2000, ge=0, description="generator updates")
    minutes: float = Field(0.0, ge=0, description="time budget: stop (evaluate, checkpoint, summary) once this much "
                                                   "wall-clock training time has passed, or at train.steps; 0 = off")
    batch_size: int = Field(256, ge=1, description="real (and fake) samples per update")
    d_steps: int = Field(1, ge=1, description="discriminator updates per generator update (k)")
    device: str = Field("auto", description="auto (cuda if available, else cpu), cpu, cuda or cuda:N")
    precision: Literal["auto", "fp32", "bf16"] = Field("auto", description="auto = bf16 autocast for images where bf16 is native (GPU, AVX512-BF16/AMX CPU), else fp32")
    channels_last: Literal["auto", "on", "off"] = Field("auto", description="memory layout; auto = on for conv models")
    compile: bool = Field(False, description="torch.compile the training modules")
    reuse_fake: bool = Field(False, description="the G step reuses the D step's fakes (needs d_steps=1)")
    threads: int = Field(0, ge=0, description="torch CPU threads; 0 = auto: 1 for toy data (tiny models gain nothing "
                                              "from more), else the free cores, re-measured while training "
                                              "(divgan.threads); $OMP_NUM_THREADS when set. Bitwise-exact "
                                              "resumes need one count throughout: set N")
    checkpoint_every: int = Field(1000, ge=1, description="steps between checkpoints")
    keep_last: int = Field(2, ge=1, description="checkpoints kept (besides the best)")
    on_nan: Literal["rollback", "stop"] = Field("rollback", description="on non-finite losses: back to the last checkpoint, or stop")
    nan_lr_factor: float = Field(0.5, gt=0, le=1, description="learning rates × this at each rollback")
    max_rollbacks: int = Field(3, ge=0, description="rollbacks before the run stops")
    tensorboard: bool = Field(False, description="write TensorBoard logs to the run directory")
    progress: bool = Field(True, description="show a progress bar")

    @field_validator("channels_last", mode="before")
    @classmethod
    def _on_off(cls, v):
        return {True: "on", False: "off"}.get(v, v) if isinstance(v, bool) else v  # YAML reads on/off as booleans


class EvalConfig(Params):
    every: int = Field(500, ge=1, description="steps between evaluations")
    n_samples: int = Field(2500, ge=1, description="generator samples per evaluation")
    metrics: list[str] = Field(default_factory=lambda: ["auto"], description="auto = the data kind's usual metrics")
    best_metric: str | None = Field(None, description="the metric that picks the best checkpoint; null = none")
    best_mode: Literal["max", "min"] = Field("max", description="whether best_metric is better high or low")
    early_stop_patience: int = Field(0, ge=0, description="evaluations without improvement; 0 = off")
    snapshots: int = Field(6, ge=1, description="panels of the toy density figure")
    grid_size: int = Field(64, ge=1, description="images in the sample grids")


TricksConfig = create_model(
    "TricksConfig",
    __base__=Params,
    **{name: (cls.Params, Field(default_factory=cls.Params)) for name, cls in TRICKS.items()},
)


class Config(Params):
    description: str = Field("", description="one line, shown by divgan presets")
    seed: int = Field(0, description="initial weights, data order and noise")
    data: _component("data", DATASETS, "ring") = Field(default_factory=lambda: {"name": "ring"},
                                                        description="the real distribution: a dataset and its parameters")
    generator: _component("generator", GENERATORS, "mlp") = Field(default_factory=lambda: {"name": "mlp"},
                                                                  description="G: noise z -> sample")
    discriminator: _component("discriminator", DISCRIMINATORS, "mlp") = Field(
        default_factory=lambda: {"name": "mlp"}, description="D (the critic): sample -> score")
    objective: ObjectiveConfig = Field(default_factory=ObjectiveConfig, description="the divergence the game minimises")
    tricks: TricksConfig = Field(default_factory=TricksConfig, description="stabilisers; each off by default")  # type: ignore[valid-type]
    optim: OptimConfig = Field(default_factory=OptimConfig, description="optimisers")
    train: TrainConfig = Field(default_factory=TrainConfig, description="the training loop")
    eval: EvalConfig = Field(default_factory=EvalConfig, description="evaluation, best checkpoint, figures")

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)


# ---------------------------------------------------------------- errors


def _model_at(loc: tuple) -> type[BaseModel] | None:
    model: Any = Config
    for part in loc:
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return None
        model = field.annotation
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def format_error(e: ValidationError) -> str:
    """One line naming the key and what is allowed."""
    err = e.errors()[0]
    loc = tuple(str(p) for p in err["loc"])
    key = ".".join(loc)
    if err["type"] == "extra_forbidden":
        parent = _model_at(loc[:-1])
        allowed = ", ".join(parent.model_fields) if parent else "?"
        return f"config error: unknown key '{key}'; allowed here: {allowed}"
    msg = err["msg"].removeprefix("Value error, ")
    if msg.split(":")[0].split(".")[0] in Config.model_fields:  # component validators name the key themselves
        return f"config error: {msg}"
    return f"config error: {key}: {msg} (got {err.get('input')!r})"


# ---------------------------------------------------------------- presets and overrides


def preset_dir():
    return resources.files("divgan") / "presets"


def preset_names() -> list[str]:
    return sorted(p.name[:-5] for p in preset_dir().iterdir() if p.name.endswith(".yaml"))


def _read_yaml(text: str, where: str) -> dict:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DivganError(f"{where}: not valid YAML{at}: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise DivganError(f"{where}: not valid YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise DivganError(f"{where}: a config must be a YAML mapping")
    return data


def _deep_merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and "name" not in v:
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def load_raw(source: str | None, _key: str = "") -> dict:
    """A preset name or a YAML path -> raw dict, following ``base: <preset or YAML>`` chains.

    A preset name always means the preset, even where a file or folder of that name exists (``divgan
    train --out ring`` makes one); ``./ring`` names the file. Anything else must be a YAML file."""
    source = source or DEFAULT_PRESET
    path = Path(source)
    presets = preset_names()
    if source in presets:
        if path.is_file():
            print(f"divgan: note: {source!r} is a preset and also a file here; using the preset "
                  f"(write ./{source} for the file)", file=sys.stderr)
        data = _read_yaml((preset_dir() / f"{source}.yaml").read_text(), f"preset {source}")
    elif path.is_file():
        data = _read_yaml(path.read_text(), str(path))
    else:
        if path.is_dir():
            problem = f"{source!r} is a folder, not a preset or YAML file"
        elif path.suffix in (".yaml", ".yml"):
            problem = f"config file not found: {source}"
        else:
            problem = f"unknown preset or config file {source!r}"
        raise DivganError(f"{_key}{problem}; presets: {', '.join(presets)}")
    base = data.pop("base", None)
    return _deep_merge(load_raw(str(base), f"{source}: base: "), data) if base else data


def parse_override(item: str) -> tuple[list[str], Any]:
    if "=" not in item:
        raise DivganError(f"--set expects key=value, got {item!r}")
    key, value = item.split("=", 1)
    try:
        parsed = yaml.safe_load(value) if value else ""
    except yaml.YAMLError:
        parsed = value
    return key.strip().split("."), parsed


def apply_overrides(raw: dict, overrides: list[str] | None) -> dict:
    raw = copy.deepcopy(raw)
    for item in overrides or []:
        keys, value = parse_override(item)
        node = raw
        for k in keys[:-1]:
            if not isinstance(node.setdefault(k, {}), dict):
                raise DivganError(f"--set {item}: '{k}' is not a section")
            node = node[k]
        node[keys[-1]] = value
    return raw


def validate(raw: dict) -> Config:
    try:
        return Config(**raw)
    except ValidationError as e:
        raise DivganError(format_error(e)) from None
    except TypeError as e:
        raise DivganError(f"config error: {e}") from None


def load_config(source: str | Config | dict | None = None, overrides: list[str] | None = None) -> Config:
    """Preset name, YAML path, dict or Config, plus ``key=value`` overrides -> validated Config."""
    if isinstance(source, Config):
        raw = source.to_dict()
    elif isinstance(source, dict):
        raw = copy.deepcopy(source)
        base = raw.pop("base", None)
        raw = _deep_merge(load_raw(str(base), "base: "), raw) if base else raw
    else:
        raw = load_raw(source)
    return validate(apply_overrides(raw, overrides))


def preset_descriptions() -> dict[str, str]:
    return {name: load_raw(name).get("description", "") for name in preset_names()}
