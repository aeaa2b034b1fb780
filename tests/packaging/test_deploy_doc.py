"""docs/deploy.md: the commands of this repository it shows run as shown, the files and
variables it names exist, and its JSON examples parse."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from lambda_build import ROOT

DOC = ROOT / "docs" / "deploy.md"
EXAMPLE = ROOT / "terraform" / "examples" / "organization"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(DOC.read_text("utf-8")) if lang == language]


def commands() -> list[list[str]]:
    """Every shell command of the document, continuation lines joined, as words."""
    found = []
    for body in blocks("sh"):
        for line in body.replace("\\\n", " ").splitlines():
            if line.strip():
                found.append(shlex.split(line))
    return found


def starting(program: str) -> list[list[str]]:
    return [words for words in commands() if words[0] == program]


def test_the_document_shows_commands_of_each_kind() -> None:
    # GIVEN the document  WHEN its commands are collected
    programs = {words[0] for words in commands()}
    # THEN the checks below have something to check
    assert {"make", "sgc", "terraform", "aws", "cp"} <= programs


@pytest.mark.parametrize("words", starting("make"), ids=" ".join)
def test_every_make_target_shown_exists(words: list[str]) -> None:
    # GIVEN a make command of the document  WHEN make is asked what it would do
    done = subprocess.run(["make", "-n", *words[1:]], cwd=ROOT, capture_output=True, check=False)
    # THEN the target exists
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("words", starting("sgc"), ids=" ".join)
def test_every_sgc_command_and_option_shown_exists(words: list[str]) -> None:
    # GIVEN an sgc command of the document, split into its command path and its options
    path = [w for w in words[1:] if not w.startswith("-") and not re.search(r"[A-Z0-9]", w)]
    options = [w.split("=", 1)[0] for w in words[1:] if w.startswith("--")]
    # WHEN the command's help is asked for
    sgc = str(Path(sys.executable).with_name("sgc"))
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    done = subprocess.run(
        [sgc, *path, "--help"], capture_output=True, text=True, check=False, env=env
    )
    # THEN it exists and has every option used
    assert done.returncode == 0, done.stderr
    assert [o for o in options if o not in done.stdout] == []


def test_every_repository_path_a_command_names_exists() -> None:
    # GIVEN the terraform directories and copied files the commands name
    named = [w.split("=", 1)[1] for words in starting("terraform") for w in words
             if w.startswith("-chdir=")]  # fmt: skip
    named += [words[1] for words in starting("cp")]
    # WHEN looked up in the repository  THEN each one is there
    assert named
    assert [p for p in named if not (ROOT / p).exists()] == []


def test_every_variable_of_the_tfvars_example_is_declared_by_the_example() -> None:
    # GIVEN the variables the example and the hub module declare
    declared = set(re.findall(r'^variable "(\w+)"', read_tf(EXAMPLE), re.MULTILINE))
    # WHEN the tfvars example's assignments are read
    (tfvars,) = blocks("hcl")
    assigned = set(re.findall(r"^(\w+)\s*=", tfvars, re.MULTILINE))
    # THEN each one is a variable of the example
    assert assigned
    assert assigned - declared == set()


def read_tf(directory: Path) -> str:
    return "\n".join(p.read_text("utf-8") for p in sorted(directory.glob("*.tf")))


def test_the_json_examples_parse() -> None:
    # GIVEN the JSON blocks of the document  WHEN parsed  THEN each is valid JSON
    documents = [json.loads(body) for body in blocks("json")]
    assert documents
    assert all(isinstance(d, dict) for d in documents)


def test_every_relative_link_resolves() -> None:
    # GIVEN the document's links to files of the repository
    links = re.findall(r"\]\(([^)#:]+)\)", DOC.read_text("utf-8"))
    # WHEN resolved from docs/  THEN each file exists
    assert links
    assert [link for link in links if not (DOC.parent / link).exists()] == []
