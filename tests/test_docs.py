"""The docs name only things that exist: every repository path, module, link and command in README.md and docs/.

- A path in code (inline or a code block) whose first part is a top-level entry of the repository
  (``kiosk/…``, ``packaging/…``, ``docs/…``, …) must exist; globs and ``{a,b}`` must match something. A
  ```` ```text ```` block lists another tree (a data directory) and is not checked for paths.
- A dotted name ``kiosk.…`` must import, be an attribute of something that does, or be a package that
  pyproject.toml maps into the wheel.
- A relative Markdown link must reach a file, and its ``#anchor`` a heading there.
- A command line of ``kiosk``, ``kiosk-relay`` or ``kiosk-sandbox`` (also as ``python -m …``, an installed path
  such as ``/opt/kiosk/kiosk`` or Windows' ``kiosk-console.exe``) must name a sub-command that exists and only
  options that its ``--help`` lists.
"""

from __future__ import annotations

import functools
import importlib
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TOP_LEVEL = {path.name for path in ROOT.iterdir() if not path.name.startswith(".git")} - {".venv", "build", "dist"}
#: Names that end like files are files (``kiosk.toml``, ``kiosk.spec``), not modules.
FILE_SUFFIX = re.compile(r"\.(toml|json|md|py|spec|service|timer|exe|qss|lock|db|sqlite3|png|ts|qm|otf|txt|csv|iss)$")
#: Packages the wheel maps from other folders (``kiosk._printer_profiles``): real once installed from a wheel.
MAPPED = set(tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"])
PROGRAMS = {"kiosk": "kiosk", "kiosk.exe": "kiosk", "kiosk-console.exe": "kiosk", "kiosk-relay": "kiosk-relay"}
PROGRAMS |= {"kiosk-sandbox": "kiosk-sandbox"}
MODULES = {"kiosk": "kiosk", "kiosk.relay": "kiosk-relay", "kiosk.sandbox": "kiosk-sandbox"}
COMMAND_OF = {"kiosk": "kiosk", "kiosk-relay": "kiosk.relay", "kiosk-sandbox": "kiosk.sandbox"}
_FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```", re.M | re.S)
_INLINE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Code:
    doc: Path
    text: str
    listing: bool = False  # a line of a ```text block: another tree, not this repository

    def __str__(self) -> str:
        return f"{self.doc.relative_to(ROOT)}: {self.text}"


def code_of(doc: Path) -> list[Code]:
    """Every code block line (``$VAR`` set by an earlier ``VAR="…"`` line filled in) and every inline code span."""
    text = doc.read_text("utf-8")
    found = []
    for info, block in _FENCE.findall(text):
        variables: dict[str, str] = {}
        for line in block.splitlines():
            if assignment := re.fullmatch(r'(\w+)="([^"]*)"', line.strip()):
                variables[assignment.group(1)] = assignment.group(2)
            for name, value in variables.items():
                line = line.replace(f"${name} ", f"{value} ")
            if line.strip():
                found.append(Code(doc, line, listing=info.strip() == "text"))
    prose = _FENCE.sub("", text)
    found += [Code(doc, span.replace("\\|", "|")) for span in _INLINE.findall(prose)]
    return found


CODE = [code for doc in DOCS for code in code_of(doc)]


def words(text: str) -> list[str]:
    return [
        word.strip("\"'`()[]{},;:.") if not word.endswith("/") else word.strip("\"'`()[],;:") for word in text.split()
    ]


# -- paths ---------------------------------------------------------------------------------------------------


def repo_paths() -> list[tuple[str, Code]]:
    found = []
    for code in CODE:
        if code.listing:
            continue
        for word in words(code.text):
            word = word.split("#")[0].rstrip(".")
            first = word.split("/")[0]
            placeholder = re.search(r"[<>…]|\.\.\.|^\w+=|\{[^,}]*\}?$|\{[^,]*\}", word)
            if "/" in word and first in TOP_LEVEL and not placeholder:
                found.append((word, code))
    return found


def expand(pattern: str) -> list[str]:
    """``a.{b,c}`` → ``a.b``, ``a.c``."""
    match = re.search(r"\{([^{}]*)\}", pattern)
    if not match:
        return [pattern]
    return [
        x for alt in match.group(1).split(",") for x in expand(pattern[: match.start()] + alt + pattern[match.end() :])
    ]


@pytest.mark.parametrize("path, code", repo_paths(), ids=lambda value: value if isinstance(value, str) else "")
def test_every_path_named_in_the_docs_exists(path: str, code: Code) -> None:
    for pattern in expand(path):
        assert list(ROOT.glob(pattern.rstrip("/"))), f"{pattern} does not exist ({code})"


# -- modules -------------------------------------------------------------------------------------------------


def dotted_names() -> list[tuple[str, Code]]:
    found = []
    for code in CODE:
        for name in re.findall(r"(?<![\w./-])kiosk(?:\.[A-Za-z_]\w*)+", code.text):
            if not FILE_SUFFIX.search(name):
                found.append((name, code))
    return found


def resolves(name: str) -> bool:
    if name in MAPPED:
        return True
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


@pytest.mark.parametrize("name, code", dotted_names(), ids=lambda value: value if isinstance(value, str) else "")
def test_every_module_named_in_the_docs_exists(name: str, code: Code) -> None:
    assert resolves(name), f"{name} is neither a module nor an attribute of one ({code})"


# -- links ---------------------------------------------------------------------------------------------------


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(doc: Path) -> set[str]:
    text = _FENCE.sub("", doc.read_text("utf-8"))
    return {slug(heading) for heading in re.findall(r"^#+ (.+)$", text, re.M)}


def links() -> list[tuple[str, Path]]:
    found = []
    for doc in DOCS:
        for target in _LINK.findall(_FENCE.sub("", doc.read_text("utf-8"))):
            if not re.match(r"[a-z]+:", target):
                found.append((target, doc))
    return found


@pytest.mark.parametrize("target, doc", links(), ids=lambda value: value if isinstance(value, str) else "")
def test_every_link_in_the_docs_reaches_its_file_and_heading(target: str, doc: Path) -> None:
    file, _, anchor = target.partition("#")
    reached = (doc.parent / file).resolve() if file else doc
    assert reached.exists(), f"{doc.relative_to(ROOT)}: link to {target}: no such file"
    if anchor and reached.suffix == ".md":
        assert anchor in anchors(reached), f"{doc.relative_to(ROOT)}: link to {target}: no such heading"


# -- commands ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    program: str
    sub: str | None
    options: tuple[str, ...]
    code: Code


def command_in(code: Code) -> Command | None:
    """The Kiosk command a line runs, if any (``sudo``, a path prefix and ``VAR=value`` are skipped)."""
    tokens = code.text.split()
    while tokens and (tokens[0] in ("sudo", "$") or re.fullmatch(r"[A-Z_]+=\S*", tokens[0])):
        if tokens.pop(0) == "sudo" and tokens[:1] == ["-u"]:
            del tokens[:2]
    if len(tokens) >= 3 and re.fullmatch(r"(\S*/)?python(3(\.\d+)?)?", tokens[0]) and tokens[1] == "-m":
        program = MODULES.get(tokens[2])
        tokens = tokens[3:]
    elif tokens:
        program = PROGRAMS.get(re.split(r"[/\\]", tokens[0].strip("\"'"))[-1])
        tokens = tokens[1:]
    else:
        return None
    if program is None:
        return None
    depth = 0  # inside [optional | alternative] brackets a "|" is not a pipe
    for stop, token in enumerate(tokens):
        if depth == 0 and (token in ("|", "&&", ";", ">", "2>", "^") or token.startswith("#")):
            tokens = tokens[:stop]
            break
        depth += token.count("[") - token.count("]")
    sub = tokens[0] if tokens and re.fullmatch(r"[a-z][a-z-]*", tokens[0]) else None
    options = tuple(sorted({m for t in tokens for m in re.findall(r"(?<![\w-])--[a-z][a-z-]*", t)}))
    return Command(program, sub, options, code)


COMMANDS = [command for code in CODE if (command := command_in(code)) is not None]


@functools.cache
def help_of(program: str, sub: str | None) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", COMMAND_OF[program], *([sub] if sub else []), "--help"]
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def test_the_docs_name_commands_at_all() -> None:
    named = {(c.program, c.sub) for c in COMMANDS}
    assert {("kiosk", None), ("kiosk", "printer-test"), ("kiosk", "set-pin"), ("kiosk-sandbox", None)} <= named
    relay = ("init", "add-store", "add-kiosk", "remove-kiosk", "rotate-token", "serve")
    assert {("kiosk-relay", sub) for sub in relay} <= named


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: f"{c.program} {c.sub or ''}".strip())
def test_every_command_named_in_the_docs_exists_with_its_options(command: Command) -> None:
    shown = help_of(command.program, command.sub)
    assert shown.returncode == 0, f"{command.code}: `{command.program} {command.sub}` is no command: {shown.stderr}"
    unknown = [option for option in command.options if option not in shown.stdout]
    assert unknown == [], f"{command.code}: {' '.join(unknown)} not in `{command.program} {command.sub or ''} --help`"


def test_the_kiosk_toml_in_deploy_md_is_the_shipped_example() -> None:
    shipped = (ROOT / "packaging" / "kiosk.example.toml").read_text("utf-8")
    settings = shipped[shipped.index("\n[relay]") + 1 :]  # without the file's header comment
    blocks = [block for _, block in _FENCE.findall((ROOT / "docs" / "deploy.md").read_text("utf-8"))]
    assert settings in blocks, "docs/deploy.md's kiosk.toml differs from packaging/kiosk.example.toml"
