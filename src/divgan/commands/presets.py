"""``divgan presets``: every preset with its one-line description (``--markdown``: the README's table)."""
from . import command


def markdown_table(items: dict[str, str]) -> str:
    """The presets as the README's Markdown table (``|`` in a description escaped)."""
    rows = [f"| `{name}` | {desc.replace('|', chr(92) + '|')} |" for name, desc in items.items()]
    return "\n".join(["| preset | what it is |", "|---|---|", *rows]) + "\n"


@command("presets")
class Presets:
    help = "list the presets with a one-line description"

    @staticmethod
    def configure(p):
        p.add_argument("--markdown", action="store_true", help="as the Markdown table of the README")

    @staticmethod
    def run(args) -> int:
        from ..config import preset_descriptions

        items = preset_descriptions()
        if args.markdown:
            print(markdown_table(items), end="")
            return 0
        width = max(map(len, items), default=0)
        for name, desc in items.items():
            print(f"{name:<{width}}  {desc}")
        return 0
