"""run_job, inspect_job, fetch_job_logs, list_jobs, cancel_job and list_jobs_hardware with
the stock client against a live hub: jobs run in the sandbox on the hub's own Python, reach
the hub (and only the hub) through HF_ENDPOINT, and end as the Hub's stages."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError, JobNotFoundError

from tests.jobs.conftest import LOG_MAX_BYTES
from tests.live import wait_until

# What a job does with huggingface_hub inside: reads a file of alice's private repo, pushes
# one back, and prints its token (which the log must mask).
HUB_SCRIPT = """
import os
from huggingface_hub import HfApi, hf_hub_download
repo = os.environ["REPO"]
print("read:", open(hf_hub_download(repo, "hello.txt")).read())
HfApi().upload_file(path_or_fileobj=b"written by a job", path_in_repo="from-job.txt", repo_id=repo)
print("token:", os.environ["HF_TOKEN"])
print("endpoint:", os.environ["HF_ENDPOINT"])
"""

# What a hostile job tries: the hub's port on the host's loopback, the routes out, the hub's
# data directory and database, and writing into the runtime it was given.
HOSTILE_SCRIPT = """
import json, os, socket, sys
found = {}
try:
    socket.create_connection(("127.0.0.1", int(os.environ["HUB_PORT"])), timeout=3).close()
    found["hub_port"] = "reached"
except OSError as exc:
    found["hub_port"] = type(exc).__name__
found["routes"] = open("/proc/net/route").read().splitlines()[1:]
found["interfaces"] = [x.split(":")[0].strip() for x in open("/proc/net/dev").readlines()[2:]]
found["data_dir"] = os.path.exists(os.environ["DATA_DIR"])
try:
    open(os.path.join(os.environ["DATA_DIR"], "hub.sqlite3"), "rb")
    found["database"] = "read"
except OSError as exc:
    found["database"] = type(exc).__name__
try:
    open(os.path.join(sys.prefix, "planted.py"), "w")
    found["runtime"] = "written"
except OSError as exc:
    found["runtime"] = type(exc).__name__
found["shadow"] = os.path.exists("/etc/shadow")
print("FOUND " + json.dumps(found))
"""


HF = str(Path(sys.executable).with_name("hf"))


def hf(hub, persona, *args: str) -> str:
    """The `hf` command as a user runs it, with HF_ENDPOINT and HF_TOKEN set."""
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": persona.token, "NO_COLOR": "1"}
    done = subprocess.run([HF, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def run(api: HfApi, command: list[str], **options):
    return api.run_job(image="python:3.12", command=command, **options)


def finished(api: HfApi, job_id: str, *, timeout: float = 60):
    return api.wait_for_job(job_id, timeout=timeout, poll_interval=0.2)


def logs(api: HfApi, job_id: str) -> list[str]:
    return list(api.fetch_job_logs(job_id=job_id))


def test_the_hub_offers_cpu_basic_hardware(hub, anonymous):
    hardware = anonymous.api(hub).list_jobs_hardware()
    assert [flavor.name for flavor in hardware] == ["cpu-basic"]
    assert hardware[0].accelerator is None


def test_alice_runs_a_job_that_reads_and_pushes_through_the_hub(hub, alice, repo_name):
    api = alice.api(hub)
    repo_id = api.create_repo(repo_name, private=True).repo_id
    api.upload_file(
        path_or_fileobj=b"hello from the hub", path_in_repo="hello.txt", repo_id=repo_id
    )
    job = run(
        api, ["python", "-c", HUB_SCRIPT], env={"REPO": repo_id}, secrets={"HF_TOKEN": alice.token}
    )
    assert job.status.stage in {"SCHEDULING", "RUNNING"}
    assert job.owner.name == "alice"
    done = finished(api, job.id)
    lines = logs(api, job.id)
    assert done.status.stage == "COMPLETED", (done.status.message, lines)
    assert "read: hello from the hub" in lines
    assert "token: ***" in lines
    assert not any(alice.token in line for line in lines)
    assert done.secrets == {"HF_TOKEN": "***"}
    assert done.environment == {"REPO": repo_id}
    assert done.started_at is not None and done.finished_at is not None
    pushed = api.hf_hub_download(repo_id, "from-job.txt")
    assert Path(pushed).read_bytes() == b"written by a job"
    assert [j.id for j in api.list_jobs(namespace="alice")][:1] == [job.id]
    assert [j.id for j in api.list_jobs(status="COMPLETED", namespace="alice")][:1] == [job.id]


def test_a_hostile_job_reaches_neither_the_network_nor_the_hubs_files(hub, alice):
    api = alice.api(hub)
    env = {"HUB_PORT": str(hub.port), "DATA_DIR": str(hub.data_dir)}
    job = run(api, ["python", "-c", HOSTILE_SCRIPT], env=env)
    done = finished(api, job.id)
    lines = logs(api, job.id)
    assert done.status.stage == "COMPLETED", (done.status.message, lines)
    found = json.loads(next(line for line in lines if line.startswith("FOUND "))[6:])
    assert found == {
        "hub_port": "ConnectionRefusedError",
        "routes": [],
        "interfaces": ["lo"],
        "data_dir": False,
        "database": "FileNotFoundError",
        "runtime": "OSError",
        "shadow": False,
    }


def test_charlie_sees_and_runs_nothing_in_alices_namespace(hub, alice, charlie):
    job = run(alice.api(hub), ["true"])
    outsider = charlie.api(hub)
    with pytest.raises(JobNotFoundError):
        outsider.inspect_job(job_id=job.id, namespace="alice")
    with pytest.raises(JobNotFoundError):
        outsider.cancel_job(job_id=job.id, namespace="alice")
    with pytest.raises(HfHubHTTPError) as listing:
        list(outsider.list_jobs(namespace="alice"))
    assert listing.value.response.status_code == 403
    with pytest.raises(HfHubHTTPError) as running:
        run(outsider, ["true"], namespace="alice")
    assert running.value.response.status_code == 403
    with pytest.raises(HfHubHTTPError) as read_only:
        run(alice.api(hub, read_only=True), ["true"])
    assert read_only.value.response.status_code == 403
    assert finished(alice.api(hub), job.id).status.stage == "COMPLETED"


def test_an_image_the_hub_cannot_run_is_a_clear_error(hub, alice):
    with pytest.raises(HfHubHTTPError) as refused:
        alice.api(hub).run_job(image="ubuntu", command=["echo", "hi"])
    assert refused.value.response.status_code == 400
    assert "python:3" in str(refused.value)
    with pytest.raises(HfHubHTTPError) as gpu:
        run(alice.api(hub), ["true"], flavor="a10g-small")
    assert "cpu-basic" in str(gpu.value)


def test_a_failing_job_ends_as_error_and_its_log_streams_while_it_runs(hub, alice):
    api = alice.api(hub)
    script = "import time; print('first', flush=True); time.sleep(1.5); print('about to fail')"
    job = run(api, ["python", "-c", script + "; raise SystemExit(3)"])
    streamed: list[str] = []
    follower = threading.Thread(
        target=lambda: streamed.extend(api.fetch_job_logs(job_id=job.id, follow=True))
    )
    wait_until(lambda: api.inspect_job(job_id=job.id).status.stage != "SCHEDULING", timeout=30)
    follower.start()
    done = finished(api, job.id)
    follower.join(timeout=60)
    assert done.status.stage == "ERROR"
    assert "exited with status 3" in done.status.message
    assert "about to fail" in done.status.message  # the log's tail
    assert streamed[-2:] == ["first", "about to fail"]
    assert logs(api, job.id)[-2:] == ["first", "about to fail"]  # kept after the end
    assert list(api.fetch_job_logs(job_id=job.id, tail=1)) == ["about to fail"]


def test_a_job_past_its_timeout_ends_as_error(hub, alice):
    api = alice.api(hub)
    job = run(api, ["python", "-c", "import time; print('waiting', flush=True); time.sleep(600)"],
              timeout=2)  # fmt: skip
    done = finished(api, job.id)
    assert done.status.stage == "ERROR"
    assert "timed out after 2 s" in done.status.message
    assert "waiting" in done.status.message


def test_alice_cancels_a_running_job(hub, alice):
    api = alice.api(hub)
    job = run(api, ["sleep", "600"])
    wait_until(lambda: api.inspect_job(job_id=job.id).status.stage == "RUNNING", timeout=30)
    api.cancel_job(job_id=job.id)
    assert api.inspect_job(job_id=job.id).status.stage == "CANCELED"
    # The worker kills it and takes the next job (the fixture's worker has one thread).
    after = run(api, ["true"])
    assert finished(api, after.id).status.stage == "COMPLETED"


def test_a_job_that_floods_its_log_ends_as_error(hub, alice):
    api = alice.api(hub)
    job = run(api, ["python", "-c", "while True: print('x' * 1000)"])
    done = finished(api, job.id)
    assert done.status.stage == "ERROR"
    assert f"log passed {LOG_MAX_BYTES} bytes" in done.status.message


def test_a_job_that_fills_its_disk_ends_as_error(hub, alice):
    api = alice.api(hub)
    # Many files, each under the largest file it may write: the disk itself fills.
    script = "n = 0\nwhile True:\n    n += 1\n    open(f'/tmp/f{n}', 'wb').write(b'0' * (8 << 20))"
    job = run(api, ["python", "-c", script])
    done = finished(api, job.id)
    assert done.status.stage == "ERROR"
    assert "No space left on device" in done.status.message, done.status.message


def test_hf_jobs_run_streams_the_log_and_hf_jobs_ps_lists_the_job(hub, alice):
    printed = hf(hub, alice, "jobs", "run", "python:3.12", "python", "-c", "print('from the cli')")
    assert "from the cli" in printed.splitlines()
    assert "completed" in printed
    job_id = printed.split("id: ", 1)[1].split()[0]
    assert job_id[:8] in hf(hub, alice, "jobs", "ps", "-a")
