"""The UI image (frontend/Dockerfile, context frontend/): the Next.js standalone server and the bundled Better
Auth migration, from node_modules installed exactly as package-lock.json says."""

import re

import pytest

from tests.images.dockerfiles import ROOT, TMP, UI, copies, env, exec_form, final_stage, is_ignored, stages

DOCKERIGNORE = ROOT / "frontend" / ".dockerignore"
EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 -- the server must answer on the pod's address
STANDALONE = re.compile(r'output:\s*process\.env\.NEXT_OUTPUT === "standalone" \? "standalone" : undefined')


def _runs(stage_name: str) -> list[str]:
    stage = next(stage for stage in stages(UI) if stage.name == stage_name)
    return [run.value for run in stage.all("RUN")]


def test_dependencies_come_from_the_lock_file():
    deps = _runs("deps")

    assert any(re.search(r"\bnpm ci\b", run) for run in deps)
    every_run = [run.value for stage in stages(UI) for run in stage.all("RUN")]
    assert not any(re.search(r"\bnpm (install|i)\b", run) for run in every_run)


def test_the_build_stage_builds_the_standalone_server_and_bundles_the_migration():
    build = _runs("build")

    assert any(re.search(r"\bNEXT_OUTPUT=standalone npm run build\b", run) for run in build)
    bundle = [run for run in build if "esbuild" in run]
    assert bundle
    assert all(
        "scripts/migrate-auth.ts" in run and "--bundle" in run and "--platform=node" in run for run in bundle
    )
    assert env(next(s for s in stages(UI) if s.name == "build"))["NEXT_TELEMETRY_DISABLED"] == "1"


def test_next_config_turns_standalone_output_on_only_when_asked():
    config = (ROOT / "frontend" / "next.config.ts").read_text(encoding="utf-8")

    assert STANDALONE.search(config)


def test_the_final_stage_holds_the_standalone_server_and_the_migration_only():
    final = final_stage(UI)
    taken = {(copy.source_stage, source.rstrip("/")) for copy in copies(final) for source in copy.sources}

    assert taken == {
        ("build", "/app/.next/standalone"),
        ("build", "/app/.next/static"),
        ("build", "/app/public"),
        ("build", "/app/dist/migrate-auth.mjs"),
    }


def test_the_final_stage_runs_the_standalone_server_on_every_interface():
    final = final_stage(UI)
    values = env(final)

    assert values["NODE_ENV"] == "production"
    assert values["PORT"] == "3000"
    assert values["HOSTNAME"] == EVERY_INTERFACE
    assert values["HOME"] == TMP
    assert [e.value.split() for e in final.all("EXPOSE")] == [["3000"]]
    assert exec_form(final.all("CMD")[-1]) == ["node", "server.js"]
    assert not final.all("ENTRYPOINT")


def test_next_runtime_cache_points_at_tmp():
    """Under a read-only root filesystem, .next/cache is the one path Next.js would write to."""
    runs = [run.value for run in final_stage(UI).all("RUN")]

    assert any(re.search(r"ln -s /tmp (/app/)?\.next/cache\b", run) for run in runs)


@pytest.mark.parametrize(
    "path", [".env", ".env.local", "node_modules/next/package.json", ".next/BUILD_ID", "e2e/tasks.spec.ts"]
)
def test_dockerignore_keeps_local_builds_and_secrets_out(path: str):
    assert is_ignored(DOCKERIGNORE, path)


@pytest.mark.parametrize(
    "path",
    [
        "package.json",
        "package-lock.json",
        "next.config.ts",
        "tsconfig.json",
        "scripts/migrate-auth.ts",
        "src/auth/options.ts",
        "src/app/page.tsx",
    ],
)
def test_dockerignore_keeps_what_the_build_needs(path: str):
    assert not is_ignored(DOCKERIGNORE, path)
