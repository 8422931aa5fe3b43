"""Command line: ``reportgen build`` and ``reportgen check``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .build import FORMATS, BuildResult, build, gather
from .config import load_config
from .problems import ReportError
from .progress import Progress

__all__ = ["main"]

_LOG = logging.getLogger("reportgen")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportgen", description="Build sourced, bilingual PDF and HTML reports.")
    parser.add_argument("--version", action="version", version=f"reportgen {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project", type=Path, default=Path("."), metavar="DIR",
                        help="project folder holding reportgen.yaml (default: .)")
    common.add_argument("--data", type=Path, metavar="DIR", help="data folder (default: data)")
    common.add_argument("--seeds", type=Path, metavar="DIR",
                        help="seed texts folder (default: seeds)")
    noise = common.add_mutually_exclusive_group()
    noise.add_argument("-v", "--verbose", action="store_true",
                       help="log each step; show tracebacks of internal errors")
    noise.add_argument("-q", "--quiet", action="store_true",
                       help="print only warnings and errors")

    b = commands.add_parser("build", parents=[common], help="build the report",
                            description="Validate the data, then write PDF and HTML editions.")
    b.add_argument("--lang", action="append", metavar="LANG",
                   help="edition to build, repeatable (default: all configured)")
    b.add_argument("--format", action="append", choices=FORMATS,
                   help="output format, repeatable (default: pdf and html)")
    b.add_argument("--templates", type=Path, metavar="DIR",
                   help="templates folder (default: templates)")
    b.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: out)")
    b.add_argument("--pdf-variant", metavar="VARIANT", choices=("pdf/a-3b", "pdf/ua-1"),
                   help="PDF variant passed to WeasyPrint: pdf/a-3b or pdf/ua-1")

    c = commands.add_parser("check", parents=[common], help="verify the data against the seeds",
                            description="Validate the data, check every quote and number "
                            "against its seed and report which seed sentences are cited.")
    c.add_argument("--strict", action="store_true",
                   help="fail when a seed sentence is neither cited nor excluded")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 build error, 2 usage)."""
    args = _parser().parse_args(argv)
    logging.basicConfig(format="%(levelname)s: %(message)s", stream=sys.stderr,
                        level=logging.DEBUG if args.verbose else
                        logging.WARNING if args.quiet else logging.INFO)
    if not args.verbose:
        # WeasyPrint and fontTools talk at INFO; their warnings still come through.
        for name in ("weasyprint", "fontTools", "matplotlib"):
            logging.getLogger(name).setLevel(logging.WARNING)
    overrides = {
        "data": args.data, "seeds": args.seeds,
        "templates": getattr(args, "templates", None), "out": getattr(args, "out", None),
        "pdf_variant": getattr(args, "pdf_variant", None),
    }
    try:
        config = load_config(args.project.resolve(), overrides)
        unknown = sorted(set(getattr(args, "lang", None) or []) - set(config.languages))
        if unknown:
            print(f"reportgen build: error: unknown edition {', '.join(unknown)}; "
                  f"configured: {', '.join(config.languages)}", file=sys.stderr)
            return 2
        if args.command == "check":
            return _check(config, args.strict, args.quiet)
        result = build(config, args.lang, args.format,
                       Progress(enabled=not args.quiet))
    except ReportError as exc:
        count = len(exc.problems)
        print(f"error: {count} problem{'s' if count != 1 else ''} found; nothing was written",
              file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; previous outputs are untouched", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.verbose:
            raise
        print(f"internal error: {type(exc).__name__}: {exc} (run with -v for the traceback)",
              file=sys.stderr)
        return 1
    for warning in result.warnings:
        _LOG.warning("%s", warning)
    if not args.quiet:
        print(_summary(result))
    return 0


def _summary(result: BuildResult) -> str:
    """Return the one-line account of a build."""
    if not result.files:
        names = " ".join(p.name for p in result.unchanged)
        return (f"up to date: {len(result.unchanged)} files ({names}) unchanged; "
                f"{result.seconds:.2f} s")
    pages = ", ".join(f"{k} {v} pages" for k, v in sorted(result.pages.items()))
    names = " ".join(p.name for p in result.files)
    kept = f"; {len(result.unchanged)} unchanged" if result.unchanged else ""
    return (f"built {len(result.files)} files ({names}){kept}; {pages or 'no PDF'}; "
            f"{result.charts} charts ({result.drawn} drawn); {result.seconds:.1f} s")


def _check(config: object, strict: bool, quiet: bool) -> int:
    from .config import Config
    from .provenance import coverage

    assert isinstance(config, Config)
    project = gather(config)
    report = coverage(project.dataset, project.seeds)
    records = sum(len(v) for v in project.dataset.collections.values())
    uncited = sum(len(c.uncited) for c in report)
    if not quiet:
        print(f"ok: {records} records; every quote, stated number and reference checks out")
        for c in report:
            print(f"{c.seed}: {c.cited}/{c.total} sentences cited, {len(c.excluded)} excluded, "
                  f"{len(c.uncited)} uncited")
            for sentence, reason in c.excluded:
                print(f"  excluded: {sentence[:60]} — {reason}")
            for sentence in c.uncited:
                print(f"  uncited: {sentence}")
    if strict and uncited:
        print(f"error: {uncited} seed sentences are neither cited nor excluded", file=sys.stderr)
        return 1
    return 0
