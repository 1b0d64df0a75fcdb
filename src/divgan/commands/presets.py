"""``divgan presets``: every preset with its one-line description."""
from . import command


@command("presets")
class Presets:
    help = "list the presets with a one-line description"

    @staticmethod
    def configure(p):
        pass

    @staticmethod
    def run(args) -> int:
        from ..config import preset_descriptions

        items = preset_descriptions()
        width = max(map(len, items), default=0)
        for name, desc in items.items():
            print(f"{name:<{width}}  {desc}")
        return 0
