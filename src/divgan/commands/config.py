"""``divgan config [PRESET|CONFIG.yaml] [--set key=value ...]``: the resolved config, every key explained."""
from . import add_config_args, command


@command("config")
class ShowConfig:
    help = "print the resolved config with every key's description and allowed values (a valid YAML config)"

    @staticmethod
    def configure(p):
        add_config_args(p)

    @staticmethod
    def run(args) -> int:
        from ..config import DEFAULT_PRESET, load_config
        from ..config_doc import describe

        cfg = load_config(args.config, args.overrides)
        source = args.config or DEFAULT_PRESET
        sets = "".join(f" --set {o}" for o in args.overrides)
        print(describe(cfg, f"divgan config {source}{sets}\nrun it with: divgan train {source}{sets}"), end="")
        return 0
