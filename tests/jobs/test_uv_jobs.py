"""run_uv_job with a script URL on the hub or a command: the script's inline dependencies
and `--with` ones are installed by the worker from the package index (wheels only) into a
layer the job sees first, the hub's own packages are not installed again."""

import os
import subprocess
import sys
from pathlib import Path

import huggingface_hub
import pytest
from huggingface_hub import Volume
from huggingface_hub.errors import HfHubHTTPError

SCRIPT = """# /// script
# dependencies = ["cowsay>=6", "huggingface_hub"]
# ///
import sys

import cowsay
import os
import subprocess
import sys
from pathlib import Path

import huggingface_hub

print(cowsay.get_output_string("cow", " ".join(sys.argv[1:])))
print("hub client", huggingface_hub.__version__)
"""


def finished(api, job_id: str):
    return api.wait_for_job(job_id, timeout=300, poll_interval=0.2)


def test_a_uv_script_on_the_hub_runs_with_its_inline_dependencies(hub, alice, repo_name):
    api = alice.api(hub)
    repo_id = api.create_repo(repo_name, private=True).repo_id
    api.upload_file(path_or_fileobj=SCRIPT.encode(), path_in_repo="moo.py", repo_id=repo_id)
    url = f"{hub.url}/{repo_id}/resolve/main/moo.py"
    job = api.run_uv_job(url, script_args=["hello", "jobs"], namespace="alice")
    done = finished(api, job.id)
    lines = list(api.fetch_job_logs(job_id=job.id, namespace="alice"))
    assert done.status.stage == "COMPLETED", (done.status.message, lines)
    assert "| hello jobs |" in lines
    assert f"hub client {huggingface_hub.__version__}" in lines
    # Only what the hub lacks was installed: cowsay, not huggingface_hub.
    assert "[job] Dependencies to install: cowsay>=6" in lines


def test_a_uv_command_runs_from_its_dependencies(hub, alice):
    api = alice.api(hub)
    job = api.run_uv_job(
        "cowsay", script_args=["-t", "from a command"], dependencies=["cowsay"], namespace="alice"
    )
    done = finished(api, job.id)
    lines = list(api.fetch_job_logs(job_id=job.id, namespace="alice"))
    assert done.status.stage == "COMPLETED", (done.status.message, lines)
    assert "| from a command |" in lines


def test_a_script_url_off_the_hub_is_refused(hub, alice):
    with pytest.raises(HfHubHTTPError) as refused:
        alice.api(hub).run_uv_job("https://example.com/train.py", namespace="alice")
    assert refused.value.response.status_code == 400
    assert "files on this hub" in str(refused.value)


def test_a_dependency_that_is_a_path_is_refused(hub, alice):
    with pytest.raises(HfHubHTTPError) as refused:
        alice.api(hub).run_uv_job(
            "python", dependencies=["evil @ file:///etc/passwd"], namespace="alice"
        )
    assert "from the index only" in str(refused.value)


def test_a_private_script_of_someone_else_is_not_read(hub, alice, charlie, repo_name):
    api = alice.api(hub)
    repo_id = api.create_repo(repo_name, private=True).repo_id
    api.upload_file(path_or_fileobj=SCRIPT.encode(), path_in_repo="moo.py", repo_id=repo_id)
    with pytest.raises(HfHubHTTPError) as refused:
        charlie.api(hub).run_uv_job(f"{hub.url}/{repo_id}/resolve/main/moo.py", namespace="charlie")
    assert refused.value.response.status_code in {401, 404}


LOCAL_SCRIPT = (
    SCRIPT
    + """
print("config:", open(sys.argv[-1]).read())
"""
)


def test_a_local_uv_script_ships_through_a_bucket_mounted_at_data(hub, alice, tmp_path):
    api = alice.api(hub)
    script, config = tmp_path / "local_moo.py", tmp_path / "config.yaml"
    script.write_text(LOCAL_SCRIPT)
    config.write_text("epochs: 3")
    job = api.run_uv_job(
        str(script), script_args=["from", "a file", str(config)], namespace="alice"
    )
    [volume] = job.volumes
    assert (volume.type, volume.source, volume.mount_path) == (
        "bucket",
        "alice/jobs-artifacts",
        "/data",
    )
    done = finished(api, job.id)
    lines = list(api.fetch_job_logs(job_id=job.id, namespace="alice"))
    assert done.status.stage == "COMPLETED", (done.status.message, lines)
    assert "| from a file /data/config.yaml |" in lines
    assert "config: epochs: 3" in lines
    # The artifacts bucket is private to alice's namespace.
    assert api.bucket_info("alice/jobs-artifacts").private is True


def test_a_job_cannot_mount_a_bucket_its_caller_cannot_see(hub, alice, charlie, repo_name):
    alice.api(hub).create_bucket(repo_name, private=True)
    volume = Volume(type="bucket", source=f"alice/{repo_name}", mount_path="/in")
    with pytest.raises(HfHubHTTPError) as refused:
        charlie.api(hub).run_job(
            image="python:3.12", command=["ls", "/in"], volumes=[volume], namespace="charlie"
        )
    assert refused.value.response.status_code == 404


def test_hf_jobs_uv_run_ships_a_local_script(hub, alice, tmp_path):
    script = tmp_path / "hello_uv.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": alice.token, "NO_COLOR": "1"}
    hf = str(Path(sys.executable).with_name("hf"))
    done = subprocess.run(
        [hf, "jobs", "uv", "run", str(script), "cli", "moo"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| cli moo |" in done.stdout.splitlines()
