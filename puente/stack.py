"""Starts and stops the processes of Puente: records set-up, training, action server, Rasa server.

`python -m puente.stack run`      set up, then the gateway if a channel is configured, else the local chat
`python -m puente.stack prepare`  records and model only (the test command uses it)
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from puente import keys, settings

ROOT = settings.ROOT
VENVS = ROOT / ".venvs"
MODELS = ROOT / "models"
LOGS = ROOT / "var" / "log"
# Everything the model is trained from: a change to any of these means a new model.
TRAINING_INPUTS = ("config.yml", "domain", "nlu", "stories", "rasa_plugins")


def rasa_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(ROOT),
        RASA_TELEMETRY_ENABLED="false",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        TF_DETERMINISTIC_OPS="1",  # the same data trains the same model
        PYTHONWARNINGS="ignore",
    )
    env.update(extra or {})
    return env


def fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = root / name
        files = (
            sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
            if path.is_dir()
            else [path]
        )
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def model_path(root: Path = ROOT, models: Path = MODELS) -> Path:
    return models / f"puente-{fingerprint(root)}.tar.gz"


class TrainingFailed(RuntimeError):
    """`rasa train` exited with an error; the message holds the end of its output."""


def train_model(root: Path = ROOT, models: Path = MODELS, log_file: Path = LOGS / "train.log") -> Path:
    """Trains the data under `root` into `models` unless that exact data is trained already."""
    target = model_path(root, models)
    if target.exists():
        return target
    log_file.parent.mkdir(parents=True, exist_ok=True)
    # Trained under a name of its own, then renamed: a Rasa server never loads a half-written file,
    # even when two trainings of the same data run at once.
    # (No dot in it: Rasa replaces whatever follows the last dot with ".tar.gz".)
    partial = f"partial-{os.getpid()}-{target.name.removesuffix('.tar.gz')}"
    with open(log_file, "wb") as log:
        done = subprocess.run(
            [str(VENVS / "rasa" / "bin" / "rasa"), "train", "--data", "nlu", "stories", "--domain", "domain",
             "--config", "config.yml", "--out", str(models), "--fixed-model-name", partial],
            cwd=root, env=rasa_env(), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    written = models / f"{partial}.tar.gz"
    if done.returncode != 0 or not written.exists():
        written.unlink(missing_ok=True)
        raise TrainingFailed(_training_error(log_file))
    os.replace(written, target)
    return target


def _training_error(log_file: Path, lines: int = 12) -> str:
    """The end of Rasa's output without its progress bars: what a person can read to see why."""
    text = log_file.read_text(encoding="utf-8", errors="replace").replace("\r", "\n")
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # terminal colours
    kept = [line for line in text.splitlines() if line.strip() and "it/s" not in line and "%|" not in line]
    return "\n".join(kept[-lines:])


def train(force: bool = False) -> Path:
    """Trains only when the data, domain, config or plugins changed since the last model."""
    target = model_path()
    if target.exists() and not force:
        print(f"model: {target.name} is up to date")
        return target
    if force:
        target.unlink(missing_ok=True)
    print(f"model: training {target.name} (a few minutes; log in var/log/train.log)...", flush=True)
    started = time.monotonic()
    try:
        train_model()
    except TrainingFailed as error:
        raise SystemExit(f"training failed:\n{error}") from error
    print(f"model: trained in {time.monotonic() - started:.0f} s", flush=True)
    return target


def prepare_records() -> None:
    subprocess.run([sys.executable, "-m", "records", "setup"], cwd=ROOT, check=True, env=rasa_env())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@dataclass
class Stack:
    """The action server and the Rasa server on loopback ports, started and stopped together."""

    rasa_port: int = 5005
    action_port: int = 5055
    model: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    rasa_process: subprocess.Popen[bytes] | None = None

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def endpoints_file(self) -> Path:
        path = ROOT / "var" / f"endpoints.{self.rasa_port}.yml"
        text = (ROOT / "endpoints.yml").read_text(encoding="utf-8")
        text = text.replace("127.0.0.1:5055", f"127.0.0.1:{self.action_port}")
        # Several replicas share the conversations: their turn locks go to Redis (LOCK_STORE_URL).
        url = self.env["LOCK_STORE_URL"] if "LOCK_STORE_URL" in self.env else settings.lock_store_url()
        lock_store = settings.lock_store_endpoint(url)
        if lock_store is not None:
            text = text.rstrip("\n") + "\n\n" + yaml.safe_dump({"lock_store": lock_store}, sort_keys=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.chmod(0o600)  # before writing: it may hold the Redis password
        path.write_text(text, encoding="utf-8")
        return path

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        LOGS.mkdir(parents=True, exist_ok=True)
        log = open(LOGS / f"{name}.{self.rasa_port}.log", "ab")  # noqa: SIM115 - lives as long as the process
        # The shared secrets go in the environment, never on a command line others can read.
        env = rasa_env({"RASA_TOKEN": keys.rasa_token(), "ACTION_SECRET": keys.action_secret(), **self.env})
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(process)
        return process

    def start(self) -> Stack:
        model = self.model or model_path()
        tracker = self.env.get("TRACKER_DATABASE_URL") or settings.tracker_database_url()
        if tracker.startswith("sqlite:///"):  # made by us, 0600: Rasa's driver would follow the umask
            keys.private_file(Path(tracker.removeprefix("sqlite:///")))
        actions = self._spawn(
            "actions",
            [
                str(VENVS / "app" / "bin" / "python"),
                "-m",
                "actions",  # rasa-sdk with our logging, on loopback (actions/__main__.py)
                "--port",
                str(self.action_port),
            ],
        )
        self.start_rasa(model)
        wait_http(f"http://127.0.0.1:{self.action_port}/health", 60, actions)
        return self

    def start_rasa(self, model: Path) -> None:
        rasa = self._spawn(
            "rasa",
            [
                str(VENVS / "rasa" / "bin" / "python"),
                "-m",
                "rasa_plugins.serve",  # `rasa run` with the API token from RASA_TOKEN
                "run",
                "--enable-api",
                "--interface",
                "127.0.0.1",
                "--port",
                str(self.rasa_port),
                "--model",
                str(model),
                "--endpoints",
                str(self.endpoints_file()),
                "--credentials",
                "credentials.yml",
            ],
        )
        self.rasa_process = rasa
        wait_http(f"{self.rasa_url}/status?token={keys.rasa_token()}", 180, rasa)

    def stop_rasa(self) -> None:
        """Stops only the Rasa server (the tests' "Rasa went down")."""
        process = self.rasa_process
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        self.rasa_process = None

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()


def start_console(stack: Stack) -> None:
    """The staff console beside the assistant. It is for the office, not the chat: if it cannot
    start (its port taken), the assistant still runs and says so."""
    conf = settings.console()
    url = f"http://{conf.host}:{conf.port}"
    console = stack._spawn("console", [str(VENVS / "app" / "bin" / "python"), "-m", "console", "serve"])
    try:
        wait_http(f"{url}/login", 30, console)
    except (RuntimeError, TimeoutError) as error:
        print(f"staff console did not start ({error}); see var/log/console.{stack.rasa_port}.log", flush=True)
        return
    print(f"staff console: {url}/  (first admin: .venvs/app/bin/python -m console admin add <email>)", flush=True)


def run() -> int:
    prepare_records()
    model = train()
    conf = settings.load()
    stack = Stack(rasa_port=conf.rasa_port, action_port=conf.action_port, model=model)
    print("starting the action server and the Rasa server (about half a minute)...", flush=True)
    try:
        stack.start()
        start_console(stack)
        if conf.telegram or conf.whatsapp:  # a channel is configured: serve it (Ctrl-C stops)
            import asyncio

            from bot import server
            from puente import logs

            logs.configure("gateway")
            asyncio.run(server.serve(conf))
            return 0
        from bot import chat

        return chat.main(stack.rasa_url)
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, TimeoutError) as error:  # a port in use, a broken model...
        print(f"could not start: {error}\nsee the logs in var/log/ (*.{stack.rasa_port}.log)")
        return 1
    finally:
        print("\nstopping...", flush=True)
        stack.stop()


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "run"
    if command == "prepare":
        prepare_records()
        train()
        return 0
    if command == "train":
        train(force="--force" in argv)
        return 0
    if command == "run":
        return run()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
