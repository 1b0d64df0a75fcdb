"""``divgan evaluator train mnist|fashion|digits [--data-root DIR]`` and ``divgan evaluator show``."""
from __future__ import annotations

import json

from . import command


@command("evaluator")
class EvaluatorCommand:
    help = "train / show divgan's own domain evaluators (classifier + feature extractor for FID, KID, modes)"

    @staticmethod
    def configure(p):
        from ..evaluator import EVALUATOR_DATASETS

        sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
        t = sub.add_parser("train", help="train and cache the evaluator of a dataset")
        t.add_argument("dataset", choices=EVALUATOR_DATASETS)
        t.add_argument("--data-root", help="data folder (default $DIVGAN_DATA or ~/.cache/divgan/data)")
        t.add_argument("--epochs", type=int, help="training epochs (default: 3 MNIST, 5 Fashion, 40 digits)")
        t.add_argument("--limit", type=int, help="use only the first N training images")
        t.add_argument("--seed", type=int, default=0)
        t.add_argument("--out", help="write the evaluator here instead of the cache")
        s = sub.add_parser("show", help="print where each evaluator is cached and its test accuracy")
        s.add_argument("dataset", nargs="?", choices=EVALUATOR_DATASETS)

    @staticmethod
    def run(args) -> int:
        from ..errors import DivganError
        from ..evaluator import EVALUATOR_DATASETS, evaluator_path, load_evaluator, train_evaluator

        if args.action == "train":
            if args.limit is not None and args.limit < 1 or args.epochs is not None and args.epochs < 1:
                raise DivganError("--limit and --epochs must be at least 1")
            info = train_evaluator(args.dataset, args.data_root, epochs=args.epochs, limit=args.limit, seed=args.seed,
                                   path=args.out)
            print(json.dumps(info, indent=1))
            return 0
        out = {}
        for name in [args.dataset] if args.dataset else EVALUATOR_DATASETS:
            try:
                out[name] = {**load_evaluator(name).info, "path": str(evaluator_path(name))}
            except DivganError as e:
                out[name] = {"missing": str(e)}
        print(json.dumps(out, indent=1))
        return 0
