"""Stage 5, write: move every output and the manifest into the output folder, or none.

Call it with the output folder locked (``claim``): HTML editions are written to temporary
files here, PDFs already are; then one commit moves the whole set, manifest included.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from ..manifest import manifest_path, sha256_file
from ..output import (
    check_targets,
    clean_stale,
    commit,
    discard,
    locked,
    new_temp,
    prepare_out,
    write_bytes,
)
from ..problems import ReportError
from .plan import Plan

__all__ = ["claim", "write"]

_LOG = logging.getLogger(__name__)


@contextlib.contextmanager
def claim(plan: Plan) -> Iterator[None]:
    """Make the output folder ready and hold its lock: checked, writable, ours alone.

    Fails before any work when a target cannot be replaced (e.g. it is a folder).
    """
    prepare_out(plan.out, plan.display)
    with locked(plan.out, plan.display):
        removed = clean_stale(plan.out)
        if removed:
            _LOG.debug("removed %d temporary files of earlier builds", len(removed))
        problems = check_targets([o.path for o in plan.outputs] + [manifest_path(plan.config)],
                                 plan.display)
        if problems:
            raise ReportError(problems)
        try:
            yield
        finally:
            discard(o.tmp for o in plan.outputs)


def write(plan: Plan) -> None:
    """Write the HTML outputs, note every output in the manifest, and move all into place."""
    for output in plan.outputs:
        if output.fmt == "html":
            output.tmp = new_temp(output.path)
            write_bytes(output.tmp, output.html.encode("utf-8"), output.name)
    written = {}
    for output in plan.outputs:
        assert output.tmp is not None, output.name
        output.entry = {"sha256": sha256_file(output.tmp)}
        if output.pdf is not None:
            output.entry["pages"] = output.pdf.pages
        written[output.name] = output.entry
    plan.manifest.record(plan.inputs, written)
    path = manifest_path(plan.config)
    tmp = new_temp(path)
    try:
        write_bytes(tmp, plan.manifest.text().encode("utf-8"), path.name)
    except ReportError:
        discard([tmp])
        raise
    pairs = [(o.tmp, o.path) for o in plan.outputs if o.tmp is not None] + [(tmp, path)]
    commit(pairs, plan.display)
    _LOG.debug("write: moved %s and %s into %s", " ".join(o.name for o in plan.outputs),
               path.name, plan.display)
