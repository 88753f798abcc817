"""The backend image (Dockerfile at the repository root): one image for every Python process, gunicorn by
default; a venv built in an earlier stage, the code and the collected static files, read-only friendly."""

import fnmatch
import re
import tomllib

import pytest

from tests.images.dockerfiles import (
    BACKEND,
    ROOT,
    TMP,
    copies,
    env,
    exec_form,
    final_stage,
    is_ignored,
    stages,
)

DOCKERIGNORE = ROOT / ".dockerignore"


def _context_sources() -> set[str]:
    final = copies(final_stage(BACKEND))
    return {source for copy in final if copy.source_stage is None for source in copy.sources}


def _package_dirs() -> list[str]:
    """The top-level Python packages pyproject.toml's setuptools `include` patterns select."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = sorted(
        path.name
        for path in ROOT.iterdir()
        if (path / "__init__.py").is_file() and any(fnmatch.fnmatch(path.name, p) for p in patterns)
    )
    assert len(packages) >= len(patterns), f"every include pattern selects a package: {patterns} {packages}"
    return packages


def test_every_package_of_the_project_is_copied_into_the_image():
    """A new app listed in pyproject.toml's include cannot be left out of the image."""
    sources = {source.rstrip("/") for source in _context_sources()}

    assert set(_package_dirs()) <= sources
    assert "manage.py" in sources


def test_the_final_stage_takes_only_the_code_from_the_context():
    code = {"manage.py", *(f"{package}/" for package in _package_dirs())}  # what the processes run
    assert _context_sources() <= code
    for source in _context_sources():
        assert not re.match(r"(tests|bench|frontend|docs|scripts|ops)(/|$)|\.env", source)


def test_the_final_stage_takes_the_venv_and_the_static_files_from_the_build_stage():
    build = stages(BACKEND)[0]
    from_build = {
        (source, copy.destination)
        for copy in copies(final_stage(BACKEND))
        if copy.source_stage == build.name
        for source in copy.sources
    }

    assert ("/opt/venv", "/opt/venv") in from_build
    assert any(source.rstrip("/") == "/src/staticfiles" for source, _ in from_build)


def test_the_build_stage_installs_the_project_without_cache_and_collects_static_files():
    runs = [run.value for stage in stages(BACKEND)[:-1] for run in stage.all("RUN")]

    assert any(re.search(r"\bpip install --no-cache-dir \.(\s|$)", run) for run in runs)
    assert not any(re.search(r"\bpip install\b.*(\s-e\s|--editable)", run) for run in runs)
    collect = [run for run in runs if "collectstatic" in run]
    assert collect, "static files are collected at build time"
    # Settings import with a throwaway key given to that one command, never an ENV of the image.
    assert all("DJANGO_SECRET_KEY=" in run and "DJANGO_DEBUG=true" in run for run in collect)


def test_the_final_stage_environment_suits_a_read_only_root_filesystem():
    final = final_stage(BACKEND)
    values = env(final)

    assert values["PATH"].startswith("/opt/venv/bin:")
    assert values["PYTHONDONTWRITEBYTECODE"] == "1"
    assert values["PYTHONUNBUFFERED"] == "1"
    # Writes go to /tmp (an emptyDir): gunicorn's control socket lives under $HOME, tempfiles under TMPDIR.
    assert values["HOME"] == TMP
    assert values["TMPDIR"] == TMP
    assert values["WORKER_METRICS_DIR"].startswith(f"{TMP}/")
    assert [w.value for w in final.all("WORKDIR")][-1] == "/app"


def test_the_image_exposes_the_servers_ports_and_runs_gunicorn_by_default():
    final = final_stage(BACKEND)
    exposed = {port for expose in final.all("EXPOSE") for port in expose.value.split()}
    command = exec_form(final.all("CMD")[-1])

    assert exposed == {"8000", "8001", "5555"}
    assert not final.all("ENTRYPOINT"), "the chart overrides the command to pick the process"
    # The Procfile's `web`, listening on every address of the pod instead of loopback.
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    expected = web.removeprefix("web:").replace(".venv/bin/", "").replace("127.0.0.1:8000", "0.0.0.0:8000")
    assert command == expected.split()


@pytest.mark.parametrize("path", [".env", "todo_project/.env", ".env.local"])
def test_dockerignore_keeps_secrets_out_of_the_context(path: str):
    assert is_ignored(DOCKERIGNORE, path)


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        ".git/HEAD",
        "node_modules/pg/package.json",
        "frontend/node_modules/next/package.json",
        "frontend/.next/BUILD_ID",
        "tests/conftest.py",
        "bench/recurrence.py",
        "staticfiles/staticfiles.json",
        "workers/__pycache__/apps.cpython-313.pyc",
    ],
)
def test_dockerignore_keeps_local_environments_and_builds_out_of_the_context(path: str):
    assert is_ignored(DOCKERIGNORE, path)


@pytest.mark.parametrize("package", _package_dirs())
def test_dockerignore_keeps_what_the_build_needs(package: str):
    for path in ("pyproject.toml", "README.md", "manage.py", f"{package}/__init__.py"):
        assert not is_ignored(DOCKERIGNORE, path), path
