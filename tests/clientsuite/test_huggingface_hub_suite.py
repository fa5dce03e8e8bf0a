"""huggingface_hub 2.4.0's own test suite, run against a live Minihub.

The strongest outside judge of "the stock client works" is the client's own tests: they run
against any Hub given its address and the CI personas of tests/testing_constants.py. This
module downloads the sdist with pip (cached under .test-data/clientsuite, so reruns skip
the download), unpacks its tests, adds our conftest (hub_conftest.py), seeds the personas
into a live hub and runs the chosen files in a pytest subprocess, in parallel (pytest-xdist)
since every test works on repos of its own, named with a fresh uuid.

It fails on every test that talked to the hub and failed, except those in exclusions.toml
(each with its reason: what only huggingface.co can answer). Tests that failed without
ever reaching the hub are printed, not counted: they test the client alone, on files the
sdist does not ship or on hosts this machine cannot reach.
"""

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.live import ROOT, LiveHub

pytestmark = pytest.mark.live

HERE = Path(__file__).resolve().parent
VERSION = "2.4.0"
CACHE = ROOT / ".test-data" / "clientsuite"
FILES = [
    "test_hf_api.py",
    "test_file_download.py",
    "test_snapshot_download.py",
    "test_hf_file_system.py",
    "test_repocard.py",
    "test_cli.py",
    "test_cli_discussions.py",
    "test_copy_files.py",
    "test_hub_mixin_pytorch.py",
    "test_auth.py",
]
# The sdist's own markers (its pyproject): `production` tests talk to huggingface.co with
# its real models, `inference` ones to the inference providers, and `xet` ones force hf_xet
# on for Xet-only transfers (test_copy_files.py is all `xet`).
MARKERS = "not production and not xet and not inference"
# Two cores on CI: four workers keep them busy while the others wait on the hub's answers.
WORKERS = os.environ.get("CLIENTSUITE_WORKERS", "4")
SUITE_TIMEOUT = 1500

# The personas of the sdist's tests/testing_constants.py, created with the operator's
# commands: the CI user, admin of valid_org_hub; DVUser, who owns repos the CI user does
# not; the enterprise admin of the org whose repos are private by default.
_SEED = """
from django.core.management import call_command
import testing_constants as c
call_command("createuser", c.USER, password=c.PASS, fullname=c.FULL_NAME)
call_command("createorg", "valid_org_hub", fullname="Dummy Hub Org", member=[c.USER + ":admin"])
call_command("createtoken", c.USER, name="ci", role="write", value=c.TOKEN)
call_command("createuser", c.OTHER_USER, password=c.PASS, fullname="DV User")
call_command("createtoken", c.OTHER_USER, name="ci", role="write", value=c.OTHER_TOKEN)
call_command("createuser", c.ENTERPRISE_USER, password=c.PASS, fullname="Enterprise Admin")
call_command("createorg", c.ENTERPRISE_ORG, member=[c.ENTERPRISE_USER + ":admin"],
             private_by_default=True)
call_command("createtoken", c.ENTERPRISE_USER, name="ci", role="write", value=c.ENTERPRISE_TOKEN)
"""


def sdist() -> Path:
    """The sdist tarball, downloaded once per machine; both passes of `make test` share it."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the two passes start at once
        found = sorted(CACHE.glob(f"huggingface_hub-{VERSION}.tar.gz"))
        if not found:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                 "--no-binary", ":all:", "--dest", str(CACHE), f"huggingface_hub=={VERSION}"],
                check=True, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            found = sorted(CACHE.glob(f"huggingface_hub-{VERSION}.tar.gz"))
        return found[0]


def unpack(tarball: Path, into: Path) -> Path:
    """The sdist's tests/ folder, made a package with our conftest in it."""
    with tarfile.open(tarball) as archive:
        members = [m for m in archive.getmembers() if "/tests/" in m.name]
        archive.extractall(into, members=members, filter="data")
    root = into / f"huggingface_hub-{VERSION}"
    # The tests import their helpers relatively (`from .conftest import RepoFactory`): in
    # the repository tests/ is a package, but the sdist leaves its __init__.py out.
    (root / "tests" / "__init__.py").touch()
    shutil.copyfile(HERE / "hub_conftest.py", root / "tests" / "conftest.py")
    # pytest's config for the run: the sdist's own pyproject, less options our plugins
    # lack (pytest-env's `env`, set in the environment instead) and its noisy addopts.
    (root / "pytest.ini").write_text(
        "[pytest]\n"
        "addopts = --strict-markers -W error::FutureWarning\n"
        "markers =\n" + "".join(f"    {m}\n" for m in _sdist_markers(tarball))
    )
    return root


def _sdist_markers(tarball: Path) -> list[str]:
    with tarfile.open(tarball) as archive:
        pyproject = archive.extractfile(f"huggingface_hub-{VERSION}/pyproject.toml").read()
    return tomllib.loads(pyproject.decode())["tool"]["pytest"]["ini_options"]["markers"]


def seed_personas(hub: LiveHub, tests_dir: Path) -> None:
    env = {**hub.env, "PYTHONPATH": str(tests_dir)}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", _SEED],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, "seeding the CI personas failed:\n" + result.stderr[-3000:]


@dataclass
class Outcome:
    id: str
    failed: bool
    skipped: bool
    talks_to_hub: bool
    outside_hosts: str
    message: str = field(repr=False)


def read_junit(path: Path, hangs: Path) -> list[Outcome]:
    hung = {}
    if hangs.exists():  # written by the conftest's watchdog before it ends a stuck worker
        for line in hangs.read_text().splitlines():
            record = json.loads(line)
            hung[record["nodeid"].removeprefix("tests/")] = record["talks_to_hub"]
    outcomes = []
    for case in ET.parse(path).getroot().iter("testcase"):
        module, _, cls = case.get("classname", "").removeprefix("tests.").partition(".")
        parts = [f"{module}.py", *([cls] if cls else []), case.get("name")]
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        message = "" if problem is None else (problem.get("message") or problem.text or "")
        test_id = "::".join(parts)
        if test_id in hung:
            message = f"hung: still running after the conftest's watchdog limit. {message}"
        outcomes.append(
            Outcome(
                id=test_id,
                failed=problem is not None or test_id in hung,
                skipped=case.find("skipped") is not None,
                talks_to_hub="talks_to_hub" in props or hung.get(test_id, False),
                outside_hosts=props.get("outside_hosts", ""),
                message=" ".join(message.split())[:300],
            )
        )
    return outcomes


def exclusions() -> dict[str, str]:
    data = tomllib.loads((HERE / "exclusions.toml").read_text())
    return {entry["id"]: entry["reason"] for entry in data.get("exclude", [])}


def run_suite(hub: LiveHub, root: Path, out: Path) -> str:
    env = {
        **os.environ,
        "HF_ENDPOINT": hub.url,
        "CLIENTSUITE_HF_HOME": str(out / "hf-home"),
        "CLIENTSUITE_HANGS": str(out / "hangs.jsonl"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        # What the sdist's pytest-env block sets, less the staging switch: HF_ENDPOINT
        # points the library at our hub instead of hub-ci.huggingface.co.
        "HF_TOKEN": "",
        "HUGGING_FACE_HUB_TOKEN": "",
        "DISABLE_SYMLINKS_IN_WINDOWS_TESTS": "1",
    }
    for name in ("HUGGINGFACE_CO_STAGING", "DJANGO_SETTINGS_MODULE", "PYTHONPATH"):
        env.pop(name, None)
    command = [
        sys.executable, "-m", "pytest", *[f"tests/{f}" for f in FILES], "-m", MARKERS,
        "-n", WORKERS, "--dist", "loadscope", "-p", "no:django", "-p", "no:cacheprovider",
        "-q", "-rN", "--no-header", f"--junitxml={out / 'report.xml'}",
        "-o", "junit_family=xunit2",
    ]  # fmt: skip
    with open(out / "pytest.log", "w") as log:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            process.wait(timeout=SUITE_TIMEOUT)
        finally:
            if process.poll() is None:  # the workers and what they spawned go with it
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    return (out / "pytest.log").read_text()


def test_huggingface_hub_test_suite_passes_against_minihub(tmp_path):
    root = unpack(sdist(), tmp_path / "sdist")
    # Reports stay where a developer can read them after the run, one folder per pass.
    out = Path(os.environ.get("HUB_DATA_DIR", ROOT / ".test-data")) / "clientsuite-report"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    hub = LiveHub(tmp_path / "hub").start()
    try:
        seed_personas(hub, root / "tests")
        started = time.monotonic()
        log = run_suite(hub, root, out)
        elapsed = time.monotonic() - started
    finally:
        hub.close()
        (out / "hub.log").write_text("".join(hub.output))
    summary = log.strip().splitlines()[-1:] or ["(no summary)"]
    print(f"huggingface_hub {VERSION} suite: {summary[0]} in {elapsed:.0f}s; reports in {out}")
    assert (out / "report.xml").exists(), log[-5000:]

    outcomes = read_junit(out / "report.xml", out / "hangs.jsonl")
    excluded = exclusions()
    ran = [o for o in outcomes if not o.skipped]
    assert len(ran) > 300, f"only {len(ran)} tests ran:\n{log[-3000:]}"
    offline = [o for o in outcomes if o.failed and not o.talks_to_hub]
    for o in offline:
        print(f"failed without reaching the hub (not counted): {o.id}: {o.message[:160]}")
    for stale in sorted(set(excluded) - {o.id for o in outcomes if o.failed}):
        print(f"excluded but did not fail (drop it from exclusions.toml?): {stale}")
    failures = [o for o in outcomes if o.failed and o.talks_to_hub and o.id not in excluded]
    assert not failures, f"{len(failures)} of the client's tests fail against Minihub:\n" + (
        "\n".join(f"{o.id}: {o.message[:200]}" for o in failures)
    )
