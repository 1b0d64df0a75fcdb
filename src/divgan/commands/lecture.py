"""``divgan lecture [--out DIR] [--quick]``: every figure of the lecture on one HTML page."""
from __future__ import annotations

from . import command


@command("lecture")
class Lecture:
    help = "reproduce the lecture's figures (divergence fits, the ring, the zoo, f-GAN, DCGAN, ...) on one HTML page"

    @staticmethod
    def configure(p):
        p.add_argument("--out", default="lecture", help="output folder: index.html, figures/, runs/ (default: ./lecture)")
        p.add_argument("--quick", action="store_true", help="small budgets, embedded digits: minutes on a laptop CPU")
        p.add_argument("--only", nargs="+", metavar="SECTION", help="build only these sections (default: all)")
        p.add_argument("--data-root", help="folder holding MNIST/ (the full lecture uses MNIST when it is there)")
        p.add_argument("--gallery", metavar="DIR", help="also copy every figure, shrunk under 300 KB, into DIR (README gallery)")
        p.add_argument("--list", action="store_true", help="list the sections and whether they can run here")

    @staticmethod
    def run(args) -> int:
        from .. import lecture
        from ..lecture import sections  # noqa: F401
        from . import main

        if args.list:
            for name, sec in lecture.SECTIONS.items():
                missing = sec.missing()
                print(f"{name:16s} {sec.title}" + (f"   [needs {', '.join(missing)}]" if missing else ""))
            return 0
        results = lecture.build(args.out, quick=args.quick, only=args.only, data_root=args.data_root, gallery=args.gallery, run_cli=main)
        made = sum(len(r.figures) for r in results)
        print(f"lecture: {made} figures from {sum(bool(r.figures) for r in results)} sections -> {args.out}/index.html")
        for r in results:
            if r.missing:
                print(f"  left out {r.section.name}: needs {', '.join(r.missing)}")
            elif r.error:
                print(f"  FAILED {r.section.name}: {r.error}")
        return 1 if any(r.error for r in results) else 0
