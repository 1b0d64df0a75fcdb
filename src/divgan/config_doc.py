"""The resolved config as commented YAML: every key with its value, description and allowed values.

``divgan config [PRESET|CONFIG.yaml] [--set ...]`` prints it; the output is itself a valid config file
(the comments are YAML comments). Descriptions come from the pydantic schema (``Field(description=...)``),
allowed values from ``Literal`` types, bounds (``ge``, ``gt``, ``le``, ``lt``) and the registries of
components (datasets, models, objectives, divergences, metrics)."""
from __future__ import annotations

import typing
from typing import Any, Literal

import annotated_types as at
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .config import Config, TricksConfig
from .data import DATASETS
from .divergences import DIVERGENCES
from .metrics import METRICS
from .models import DISCRIMINATORS, GENERATORS
from .objectives import OBJECTIVES
from .registry import Registry

COMPONENTS: dict[str, Registry] = {"data": DATASETS, "generator": GENERATORS, "discriminator": DISCRIMINATORS}
CHOICES: dict[str, tuple[str, Registry]] = {  # keys checked by validators against a registry
    "data.name": ("dataset", DATASETS),
    "generator.name": ("generator", GENERATORS),
    "discriminator.name": ("discriminator", DISCRIMINATORS),
    "objective.name": ("objective", OBJECTIVES),
    "objective.divergence": ("f-divergence", DIVERGENCES),
    "eval.metrics": ("list of metrics, or auto", METRICS),
    "eval.best_metric": ("a metric, or null", METRICS),
}
_BOUNDS = ((at.Ge, "ge", "≥"), (at.Gt, "gt", ">"), (at.Le, "le", "≤"), (at.Lt, "lt", "<"))


def allowed(field: FieldInfo, key: str) -> str:
    """What a field accepts, in words: choices, type and bounds."""
    if key in CHOICES:
        what, registry = CHOICES[key]
        return f"{what}: {', '.join(registry.names())}"
    ann = field.annotation
    args = typing.get_args(ann)
    if typing.get_origin(ann) is Literal:
        return "one of: " + ", ".join(map(str, args))
    if ann is bool:
        return "true or false"
    names = {int: "integer", float: "number", str: "text"}
    if ann in names:
        text = names[ann]
    elif typing.get_origin(ann) is tuple:
        text = f"list of {len(args)} {names.get(args[0], 'value')}s"
    elif args and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        text = " or ".join(names.get(a, getattr(a, "__name__", str(a))) for a in rest) + " or null"
    else:
        text = str(ann).replace("typing.", "")
    bounds = [f"{sign} {getattr(m, attr)}" for m in field.metadata for cls, attr, sign in _BOUNDS if isinstance(m, cls)]
    return text + (" " + ", ".join(bounds) if bounds else "")


def _value(v: Any) -> str:
    return yaml.safe_dump(v, default_flow_style=True, allow_unicode=True, width=10**6).strip().removesuffix("\n...").removesuffix("...").strip()


def _model_for(section: str, values: dict, annotation) -> type[BaseModel] | None:
    if section in COMPONENTS:
        return COMPONENTS[section][values["name"]].Params
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _lines(model: type[BaseModel], values: dict, prefix: str, indent: int) -> list[tuple[str, str]]:
    """(text, comment) pairs of one mapping, nested sections indented."""
    out = []
    pad = "  " * indent
    if prefix.rstrip(".") in COMPONENTS:  # the component's name first: it decides the other keys
        key = prefix + "name"
        kind, registry = CHOICES[key]
        out.append((f"{pad}name: {values['name']}", f"{kind}: {', '.join(registry.names())}"))
    for name, field in model.model_fields.items():
        key, v = prefix + name, values.get(name)
        sub = field.annotation if isinstance(v, dict) else None
        if isinstance(v, dict):
            sub = _model_for(key, v, field.annotation) or (TricksConfig if key == "tricks" else None)
        if sub is not None:
            out.append((f"{pad}{name}:", field.description or ""))
            out += _lines(sub, v, key + ".", indent + 1)
        else:
            desc = field.description or ""
            out.append((f"{pad}{name}: {_value(v)}", "; ".join(filter(None, [desc, allowed(field, key)]))))
    return out


def describe(cfg: Config, title: str = "") -> str:
    """``cfg`` as YAML with a comment on every key (what it is for and what it accepts)."""
    rows = _lines(Config, cfg.to_dict(), "", 0)
    width = min(48, max(len(text) for text, _ in rows) + 2)
    head = [f"# {line}" for line in title.splitlines()] if title else []
    return "\n".join(head + [f"{text:<{width}}  # {c}" if c else text for text, c in rows]) + "\n"
