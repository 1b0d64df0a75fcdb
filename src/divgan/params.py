"""Base for every configuration model: unknown keys are errors, values are validated."""
from pydantic import BaseModel, ConfigDict


class Params(BaseModel):
    """Strict pydantic model; components (datasets, models, tricks) declare one as ``Params``."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
