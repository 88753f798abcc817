"""The two Dockerfiles and their .dockerignore files, parsed (dockerfile-parse) into stages of instructions.

No image is built here: the tests read what the Dockerfiles say."""

import json
import re
import shlex
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from dockerfile_parse import DockerfileParser  # type: ignore[import-untyped]  # ships no type hints

ROOT = Path(__file__).resolve().parents[2]
BACKEND = ROOT / "Dockerfile"
UI = ROOT / "frontend" / "Dockerfile"
# The one writable path of the containers (read-only root filesystem): an emptyDir the chart mounts.
TMP = "/tmp"  # noqa: S108


@dataclass(frozen=True)
class Instruction:
    name: str  # upper case: FROM, RUN, COPY, ...
    value: str  # continuation lines joined, as dockerfile-parse gives it
    line: int  # 1-based


@dataclass
class Stage:
    base: str  # the image (or earlier stage) it starts from
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, name: str) -> list[Instruction]:
        return [i for i in self.instructions if i.name == name]


@dataclass(frozen=True)
class Copy:
    source_stage: str | None  # --from=..., None for the build context
    sources: tuple[str, ...]
    destination: str
    line: int


@cache
def stages(dockerfile: Path) -> tuple[Stage, ...]:
    parser = DockerfileParser(path=str(dockerfile), env_replace=False)
    result: list[Stage] = []
    for item in parser.structure:
        instruction = Instruction(item["instruction"].upper(), item["value"], item["startline"] + 1)
        if instruction.name == "COMMENT":
            continue
        if instruction.name == "FROM":
            words = [w for w in instruction.value.split() if not w.startswith("--platform")]
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            result.append(Stage(base=words[0], name=name))
        elif result:  # ARGs before the first FROM belong to no stage
            result[-1].instructions.append(instruction)
    return tuple(result)


def final_stage(dockerfile: Path) -> Stage:
    return stages(dockerfile)[-1]


def copies(stage: Stage) -> list[Copy]:
    result = []
    for instruction in stage.all("COPY") + stage.all("ADD"):
        if instruction.value.lstrip().startswith("["):
            words = json.loads(instruction.value)
        else:
            words = shlex.split(instruction.value)
        flags = [w for w in words if w.startswith("--")]
        paths = [w for w in words if not w.startswith("--")]
        source_stage = next((f.split("=", 1)[1] for f in flags if f.startswith("--from=")), None)
        result.append(Copy(source_stage, tuple(paths[:-1]), paths[-1], instruction.line))
    return result


def env(stage: Stage) -> dict[str, str]:
    """The stage's ENV settings (KEY=value forms; the legacy `ENV KEY value` form too)."""
    values: dict[str, str] = {}
    for instruction in stage.all("ENV"):
        words = shlex.split(instruction.value)
        if words and "=" not in words[0]:
            values[words[0]] = " ".join(words[1:])
            continue
        for word in words:
            key, _, value = word.partition("=")
            values[key] = value
    return values


def exec_form(instruction: Instruction) -> list[str]:
    value = json.loads(instruction.value)
    assert isinstance(value, list), f"line {instruction.line}: not the exec (JSON) form"
    return [str(word) for word in value]


# --- .dockerignore ------------------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """Docker's pattern syntax (Go's filepath.Match, plus `**` for any number of directories)."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out)


def ignore_patterns(dockerignore: Path) -> list[tuple[bool, re.Pattern[str]]]:
    patterns = []
    for raw in dockerignore.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        cleaned = line.lstrip("!").strip().strip("/")
        cleaned = re.sub(r"^\./", "", cleaned)
        patterns.append((negated, _pattern_regex(cleaned)))
    return patterns


def is_ignored(dockerignore: Path, path: str) -> bool:
    """Whether the builder leaves `path` (relative to the context) out: a path is out when it or one of its
    parent directories matches a pattern, the last matching pattern deciding (`!` takes a path back)."""
    parts = path.strip("/").split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for negated, regex in ignore_patterns(dockerignore):
        if any(regex.fullmatch(candidate) for candidate in candidates):
            ignored = not negated
    return ignored
