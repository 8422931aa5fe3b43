"""The README documents every command-line option and every configuration key."""

from __future__ import annotations

import argparse
import re

import pytest
from conftest import ROOT

from reportgen.cli import _parser
from reportgen.config import config_help

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _options() -> list[str]:
    found: set[str] = set()
    parser = _parser()
    actions = list(parser._actions)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                actions += sub._actions
    for action in actions:
        found.update(o for o in action.option_strings if o.startswith("--") and o != "--help")
    return sorted(found)


@pytest.mark.parametrize("option", _options())
def test_option_is_documented(option: str) -> None:
    assert re.search(rf"`{re.escape(option)}\b", README), f"{option} is missing from README.md"


@pytest.mark.parametrize("key", [key for key, _, _ in config_help()])
def test_config_key_is_documented(key: str) -> None:
    assert f"| `{key}` |" in README, f"configuration key {key} is missing from README.md"


def test_readme_gives_the_two_commands_first() -> None:
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "make build" in first_block and "make test" in first_block
