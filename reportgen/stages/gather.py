"""Stage 2, gather: load and validate the data, the seeds and the UI strings.

The result, a ``Project``, is everything the later stages read from the project folder.
A long-lived process keeps it and gathers again only when data, seeds or strings change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..config import Config
from ..problems import Mark, Problem, ReportError
from ..themestrings import theme_strings
from ..yamlload import Map, Scalar, load_file
from .plan import display

if TYPE_CHECKING:
    from ..dataset import Dataset
    from ..exhibits import DrawnChart
    from ..formats import Formatter
    from ..kept import Kept
    from ..seeds import Seeds

__all__ = ["STRINGS_FILE", "Project", "gather", "survey_project"]

STRINGS_FILE = "strings.yaml"
_REQUIRED_STRINGS = ("exhibit_label", "stated_as")
_LOG = logging.getLogger(__name__)


@dataclass
class Project:
    """Validated inputs of a build: configuration, dataset, seeds and UI strings.

    ``charts`` fills as editions are rendered: per language, the drawn charts by id;
    ``warnings`` collects what later stages want said without failing the build.
    """

    config: Config
    dataset: Dataset
    seeds: Seeds
    strings: dict[str, dict[str, str]]
    string_marks: dict[str, Mark] = field(default_factory=dict)
    charts: dict[str, dict[str, DrawnChart]] = field(default_factory=dict)
    charts_drawn: int = 0
    warnings: list[str] = field(default_factory=list)

    def strings_in(self, lang: str) -> dict[str, str]:
        """Return the UI strings of one edition language."""
        return {k: v[lang] for k, v in self.strings.items() if lang in v}

    def formatter(self, lang: str) -> Formatter:
        """Return the number and date formatter of one edition language."""
        from ..formats import make_formatter

        return make_formatter(self.dataset, self.config, self.strings_in(lang), lang)

    @property
    def records(self) -> int:
        """How many records the dataset holds."""
        return sum(map(len, self.dataset.collections.values()))


def gather(config: Config, kept: Kept | None = None) -> Project:
    """Load and validate the data, the seeds and the UI strings; raise on any problem.

    ``kept``, in a long-lived process with this configuration, holds what the last
    gathering validated and checked: only records whose files changed, or whose checks
    read something that changed, are validated and checked again.
    """
    from ..dataset import load_dataset
    from ..numbers import source_language
    from ..provenance import check_provenance
    from ..seeds import load_seeds

    survey_project(config)
    if kept is not None:
        kept.begin()
    dataset = load_dataset(config.path("data"), tuple(config.languages), config.root,
                           source_language=lambda seed: source_language(config, seed),
                           kept=kept)
    seeds, problems = load_seeds(config.path("seeds"), display(config, "seeds"),
                                 required=dataset.cites_seeds)
    problems += check_provenance(dataset, seeds, config, kept)
    strings, marks = _load_strings(config, problems)
    if problems:
        raise ReportError(problems)
    project = Project(config, dataset, seeds, strings, marks)
    _LOG.debug("gather: %d records in %d files, %d seeds, %d UI strings", project.records,
               len(dataset.files), len(seeds.texts), len(strings))
    return project


def survey_project(config: Config) -> None:
    """Check the sizes (each file's and all together) and the project's folders before
    anything is read; raise ReportError."""
    from ..files import survey

    survey(config.root, {name: config.path(name) for name in ("data", "seeds", "templates")})


def _load_strings(config: Config, problems: list[Problem]
                  ) -> tuple[dict[str, dict[str, str]], dict[str, Mark]]:
    path = config.path("templates") / STRINGS_FILE
    shown = display(config, "templates") + "/" + STRINGS_FILE
    if not path.exists() and not path.is_symlink():  # anything else: load_file refuses it
        problems.append(Problem(Mark(shown), "missing UI strings file",
                                "it holds the words templates print, per language"))
        return {}, {}
    try:
        node = load_file(path, display_name=shown)
    except ReportError as exc:
        problems.extend(exc.problems)
        return {}, {}
    # The theme's strings come first; the project's add to them and override them.
    theme = theme_strings()
    strings = {k: v for k, v in theme.items() if all(lang in v for lang in config.languages)}
    marks: dict[str, Mark] = {}
    if not isinstance(node, Map):
        problems.append(Problem(node.mark, "expected a mapping of names to {lang: text}"))
        return strings, marks
    for key, value in node.pairs:
        entry = {k.value: v.value for k, v in value.pairs if isinstance(v, Scalar)} \
            if isinstance(value, Map) else {}
        entry = {**theme.get(key.value, {}), **entry}
        missing = [lang for lang in config.languages if lang not in entry]
        if missing:
            problems.append(Problem(value.mark, f"{key.value}: missing " + ", ".join(missing)))
        strings[key.value] = entry
        marks[key.value] = value.mark
    for name in _REQUIRED_STRINGS:
        if name not in strings:
            problems.append(Problem(node.mark, f"missing string {name!r}",
                                    "the engine prints it in charts and cross-references"))
    return strings, marks
