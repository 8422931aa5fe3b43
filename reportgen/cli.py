"""Command line: ``reportgen build``, ``reportgen check`` and ``reportgen new``.

Each command is a function of the parsed arguments and the configuration, listed in
``COMMANDS``; a new command is a parser and one entry there.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__, stamp
from .editions import FORMATS
from .problems import ReportError

if TYPE_CHECKING:  # read when a command needs it: "nothing changed" is answered before
    from .config import Config

__all__ = ["COMMANDS", "main"]

_LOG = logging.getLogger("reportgen")
# Libraries whose own logging is theirs: shown from WARNING up, also with -v.
_QUIET_LIBRARIES = ("weasyprint", "fontTools", "matplotlib", "PIL")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportgen", description="Build sourced PDF and HTML reports in one or more "
        "languages.")
    parser.add_argument("--version", action="version", version=f"reportgen {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project", type=Path, default=Path("."), metavar="DIR",
                        help="project folder holding reportgen.yaml (default: .)")
    common.add_argument("--config", type=Path, metavar="FILE",
                        help="read this configuration file instead of reportgen.yaml; paths "
                        "in it are relative to the project folder")
    common.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        dest="sets", help="set a configuration key, typed and checked as in "
                        "the file (YAML value); repeatable, e.g. --set basename=summary")
    common.add_argument("--data", type=Path, metavar="DIR", help="data folder (default: data)")
    common.add_argument("--seeds", type=Path, metavar="DIR",
                        help="seed texts folder (default: seeds)")
    common.add_argument("--templates", type=Path, metavar="DIR",
                        help="templates folder (default: templates)")
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
    b.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: out)")
    b.add_argument("--pdf-variant", metavar="VARIANT", choices=("pdf/a-3b", "pdf/ua-1"),
                   help="PDF variant passed to WeasyPrint: pdf/a-3b or pdf/ua-1")
    b.add_argument("--watch", action="store_true",
                   help="build again whenever data, seeds, templates or the configuration "
                   "change, until Ctrl-C")

    s = commands.add_parser("serve", parents=[common], help="preview while you edit",
                            description="Serve the editions on 127.0.0.1, rebuild them on "
                            "every change of data, seeds, templates or the configuration, "
                            "and reload the page in the browser.")
    s.add_argument("--port", type=int, default=0, metavar="PORT",
                   help="port on 127.0.0.1 (default: 0, any free port; the address is printed)")
    s.add_argument("--out", type=Path, metavar="DIR",
                   help="output folder; the preview lives in its .preview folder (default: out)")

    c = commands.add_parser("check", parents=[common], help="check everything but layout",
                            description="Validate the data, check every quote and number "
                            "against its seed, render every template of every edition and "
                            "report which seed sentences are cited.")
    c.add_argument("--strict", action="store_true",
                   help="fail when a seed sentence is neither cited nor excluded")

    s = commands.add_parser("schema", parents=[common], help="print the record kinds and fields",
                            description="Print every collection of the dataset (built-in ones "
                            "included) with its fields, types and help.")
    s.add_argument("--json", action="store_true",
                   help="print a JSON Schema (draft 2020-12) of the data files, for editors")

    n = commands.add_parser("new", help="start a new project in a new folder",
                            description="Write a small starter project (configuration, schema, "
                            "records, a seed, templates using the default theme, a README) that "
                            "builds as it is.")
    n.add_argument("folder", type=Path, metavar="DIR", help="the new project's folder (new or empty)")
    n.add_argument("--lang", action="append", metavar="LANG",
                   help="edition language, repeatable; the first is the seed's (default: en)")
    n.set_defaults(verbose=False, quiet=False)
    return parser


def _configure_logging(verbose: bool, quiet: bool) -> None:
    """Show reportgen's own steps with -v; libraries speak only from WARNING up."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(
        "%(levelname)s %(name)s: %(message)s" if verbose else "%(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    _LOG.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)


def _config(args: argparse.Namespace) -> Config:
    from .config import load_config, parse_set

    overrides = {
        "data": args.data, "seeds": args.seeds, "templates": args.templates,
        "out": getattr(args, "out", None), "pdf_variant": getattr(args, "pdf_variant", None),
    }
    sets = [parse_set(item) for item in args.sets]
    return load_config(args.project.resolve(), overrides, config_file=args.config, sets=sets)


def _build(config: Config, args: argparse.Namespace) -> int:
    from .build import build
    from .progress import Progress

    unknown = sorted(set(args.lang or []) - set(config.languages))
    if unknown:
        print(f"reportgen build: error: unknown edition {', '.join(unknown)}; "
              f"configured: {', '.join(config.languages)}", file=sys.stderr)
        return 2
    if args.watch:
        from .watch import build_watch, print_error

        once = argparse.Namespace(**{**vars(args), "watch": False})
        return build_watch(config, lambda: _config(args), lambda c: _build(c, once),
                           print_error)
    taken = _snapshot(config, args)
    result = build(config, args.lang, args.format, Progress(enabled=not args.quiet))
    if taken is not None:
        from .manifest import manifest_path

        taken.record(args.stamp_key, [*result.files, *result.unchanged],
                     manifest_path(config), os.path.join(config.root, stamp.STAMP))
    for warning in result.warnings:
        _LOG.warning("%s", warning)
    for finding in result.findings:
        _LOG.warning("layout preflight: %s", finding)
    if not args.quiet:
        _say(_summary(result))
    return 0


def _snapshot(config: Config, args: argparse.Namespace) -> stamp.Snapshot | None:
    """The inputs' metadata before the build reads them, if its outputs can be stamped."""
    if getattr(args, "stamp_key", None) is None or config.path("out") != config.root / "out":
        return None  # the stamp lives in the project's own out/.cache
    return stamp.snapshot(config, args.config_meta)


def _stamped(args: argparse.Namespace, argv: Sequence[str]) -> bool:
    """Answer a build whose inputs are as the last build stamped them (``stamp.py``)."""
    project = args.project.resolve()
    args.stamp_key = stamp.key(argv, project)
    # Taken before the configuration is read: an edit from here on is a change.
    args.config_meta = stamp.meta(args.config if args.config is not None
                                  else project / "reportgen.yaml")
    line = stamp.answer(project, args.stamp_key)
    if line is None:
        return False
    _LOG.debug("up to date: answered from the stamp (%s); nothing it records changed",
               stamp.STAMP)
    if not args.quiet:
        _say(line)
    return True


def _summary(result: Any) -> str:
    """Return the one-line account of a build."""
    if not result.files:
        return stamp.up_to_date([p.name for p in result.unchanged], result.seconds)
    pages = ", ".join(f"{k} {v} pages" for k, v in sorted(result.pages.items()))
    names = " ".join(p.name for p in result.files)
    kept = f"; {len(result.unchanged)} unchanged" if result.unchanged else ""
    return (f"built {len(result.files)} files ({names}){kept}; {pages or 'no PDF'}; "
            f"{result.charts} charts ({result.drawn} drawn); {result.seconds:.1f} s")


def _check(config: Config, args: argparse.Namespace) -> int:
    from .build import check
    from .progress import Progress
    from .seeds import coverage

    project = check(config, Progress(enabled=not args.quiet))
    report = coverage(project.dataset, project.seeds)
    uncited = sum(len(c.uncited) for c in report)
    if not args.quiet:
        outputs = len(config.languages) * len(FORMATS)
        lines = [f"ok: {project.records} records; every quote, stated number and reference "
                 f"checks out; all {outputs} outputs render (layout not tried)"]
        for c in report:
            lines.append(f"{c.seed}: {c.cited}/{c.total} sentences cited, {len(c.excluded)} "
                         f"excluded, {len(c.uncited)} uncited")
            lines += [f"  excluded: {sentence[:60]} — {reason}" for sentence, reason in c.excluded]
            lines += [f"  uncited: {sentence}" for sentence in c.uncited]
        _say("\n".join(lines))
    if args.strict and uncited:
        print(f"error: {uncited} seed sentences are neither cited nor excluded", file=sys.stderr)
        return 1
    return 0


def _serve(config: Config, args: argparse.Namespace) -> int:
    from .serve import serve

    return serve(config, lambda: _config(args), args.port, args.quiet)


def _schema(config: Config, args: argparse.Namespace) -> int:
    from .schemadoc import schema_command

    return schema_command(config, args.json)


COMMANDS: dict[str, Callable[[Config, argparse.Namespace], int]] = {
    "build": _build,
    "check": _check,
    "schema": _schema,
    "serve": _serve,
}


def _new(args: argparse.Namespace) -> int:
    """Write the starter project; a folder or language it cannot use is a usage error."""
    from .scaffold import NewProjectRefused, write_project

    try:
        written = write_project(args.folder, args.lang or ["en"])
    except NewProjectRefused as exc:
        print(f"reportgen new: error: {exc}", file=sys.stderr)
        return 2
    _say(f"wrote {len(written)} files in {args.folder}; next: cd {shlex.quote(str(args.folder))} "
         "&& reportgen build (the project's README.md explains each file)")
    return 0


def _say(text: str) -> None:
    """Print to stdout; a reader that went away (``| head``) is not an error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # Later writes (and the interpreter's final flush) must not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 build error, 2 usage, 130 Ctrl-C)."""
    args = _parser().parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    try:
        if args.command == "new":  # the one command without a project to read
            return _new(args)
        if args.command == "build" and not args.watch and _stamped(
                args, list(sys.argv[1:] if argv is None else argv)):
            return 0
        config = _config(args)
        return COMMANDS[args.command](config, args)
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
