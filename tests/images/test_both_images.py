"""What both images promise the Helm chart and a security review: multi-stage builds from base images pinned
by digest, a final stage that runs as uid/gid 10001, holds no build tools and takes only what earlier stages
built (or the code it names), and no HEALTHCHECK (Kubernetes probes the processes)."""

import re
from pathlib import Path

import pytest

from tests.images.dockerfiles import BACKEND, UI, copies, final_stage, stages

IMAGES = [pytest.param(BACKEND, id="backend"), pytest.param(UI, id="ui")]

# The base image of each: repository, the exact patch tag of the intended major version, and a digest.
BASE = {
    BACKEND: re.compile(r"python:3\.13\.\d+-slim-bookworm@sha256:[0-9a-f]{64}"),
    UI: re.compile(r"node:20\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}"),
}
PINNED = re.compile(r"(?P<image>[\w./-]+):(?P<tag>[\w.-]+)@sha256:[0-9a-f]{64}")

# The final stage's RUN commands may not install anything: packages, compilers, Python or Node modules.
INSTALLS = re.compile(
    r"\b(apt-get|apt|aptitude|apk|dnf|yum|microdnf)\s+(-\S+\s+)*(install|add)\b"
    r"|\bpip3?\s+install\b|\bpython3?\s+-m\s+pip\b|\buv\s+(pip|sync)\b"
    r"|\bnpm\s+(ci|install|i)\b|\byarn\b|\bpnpm\b|\bnpx\b"
    r"|\b(gcc|g\+\+|cc|make|build-essential|cmake|clang)\b"
)


@pytest.mark.parametrize("dockerfile", IMAGES)
def test_it_is_a_multi_stage_build(dockerfile: Path):
    all_stages = stages(dockerfile)

    assert len(all_stages) >= 2
    assert all(stage.name for stage in all_stages[:-1]), "every stage but the last is named"


@pytest.mark.parametrize("dockerfile", IMAGES)
def test_every_base_image_is_pinned_by_tag_and_digest(dockerfile: Path):
    all_stages = stages(dockerfile)
    earlier: set[str] = set()
    for stage in all_stages:
        if stage.base in earlier:  # FROM an earlier stage of this file
            continue
        pinned = PINNED.fullmatch(stage.base)
        assert pinned, f"{stage.base}: not image:tag@sha256:<digest>"
        assert pinned["tag"] != "latest"
        assert BASE[dockerfile].fullmatch(stage.base), f"{stage.base}: not the intended base image"
        if stage.name:
            earlier.add(stage.name)
    # One base image for all stages: what was built is what runs.
    assert len({stage.base for stage in all_stages if stage.base not in earlier}) == 1


@pytest.mark.parametrize("dockerfile", IMAGES)
def test_the_final_stage_runs_as_uid_and_gid_10001(dockerfile: Path):
    users = final_stage(dockerfile).all("USER")

    assert users, "the final stage sets USER"
    # Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd; the chart's
    # securityContext sets the same ids.
    assert users[-1].value.strip() == "10001:10001"


@pytest.mark.parametrize("dockerfile", IMAGES)
def test_no_stage_has_a_healthcheck(dockerfile: Path):
    assert not [i for stage in stages(dockerfile) for i in stage.all("HEALTHCHECK")]


@pytest.mark.parametrize("dockerfile", IMAGES)
def test_the_final_stage_installs_nothing(dockerfile: Path):
    runs = final_stage(dockerfile).all("RUN")

    assert not [run.value for run in runs if INSTALLS.search(run.value)]


@pytest.mark.parametrize("dockerfile", IMAGES)
def test_the_final_stage_copies_only_from_earlier_stages_or_named_paths(dockerfile: Path):
    all_stages = stages(dockerfile)
    earlier = {stage.name for stage in all_stages[:-1]}
    final = all_stages[-1]

    assert not final.all("ADD"), "ADD can fetch URLs and unpack archives: COPY only"
    for copy in copies(final):
        if copy.source_stage is not None:
            assert copy.source_stage in earlier, f"line {copy.line}: --from={copy.source_stage}"
        else:
            for source in copy.sources:
                assert source not in {".", "./", "*"}, f"line {copy.line}: the whole context"
                assert "*" not in source, f"line {copy.line}: {source}"
                assert ".." not in source, f"line {copy.line}: {source}"


@pytest.mark.parametrize("dockerfile", IMAGES)
def test_no_secret_is_baked_into_an_image(dockerfile: Path):
    """A secret in ENV or ARG stays in the image's config or history; none may be set there."""
    secrets = re.compile(r"\b(DJANGO_SECRET_KEY|BETTER_AUTH_SECRET|UI_AUTH_SECRET|\w*PASSWORD\w*)\s*=")
    for stage in stages(dockerfile):
        for instruction in stage.all("ENV") + stage.all("ARG"):
            assert not secrets.search(instruction.value), f"line {instruction.line}: {instruction.value}"
