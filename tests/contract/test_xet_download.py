"""Files uploaded through Xet by the stock client, read back by every client: hf_xet itself,
huggingface_hub with HF_HUB_DISABLE_XET=1, git with git-lfs, plain HTTP and the web pages,
the workers, and `datasets`. One file, the same bytes everywhere.

The hub keeps no LFS blob for a Xet upload, so every non-Xet read here is served from the
Xet store. Which path a download took is read from the hub's request log.
"""

import json
import os
import random
import re
import struct
import uuid
from pathlib import Path

import httpx2 as httpx
import pytest
from huggingface_hub import constants, hf_hub_download, snapshot_download

from tests.contract.conftest import make_repo, sha256, wire
from tests.contract.gitcli import GitCli, remote
from tests.contract.helpers import STEPS, commit_files, run_client_script, step_ok

pytestmark = pytest.mark.live

KiB = 1024
ATTRIBUTES = "".join(f"{p} filter=lfs diff=lfs merge=lfs -text\n" for p in ("*.jsonl", "*.csv"))


def _floats(count: int) -> bytes:
    """Weights-like bytes (float32 near zero), which hf_xet compresses with byte grouping."""
    rng = random.Random(7)
    return struct.pack(f"<{count}f", *(rng.gauss(0, 0.02) for _ in range(count)))


def _table(rows: int) -> bytes:
    return ("id,text\n" + "".join(f"{n},row number {n}\n" for n in range(rows))).encode()


FILES = {
    "weights.bin": os.urandom(600 * KiB),  # incompressible: stored as is
    "model.safetensors": _floats(100 * KiB),  # byte-grouped
    "corpus/train.jsonl": b"".join(
        json.dumps({"n": n, "text": f"line {n} " * 8}).encode() + b"\n" for n in range(3000)
    ),  # LZ4
    "data/table.csv": _table(2000),
}


def xet_reads(hub, since: int) -> list[str]:
    """The file hashes the Xet store answered reconstructions for since log line `since`
    (a mark, `hub.log_mark()`), up to every request answered so far."""
    log = "".join(hub.output[since : hub.log_mark()])
    return re.findall(r"GET /xet-cas/v[12]/reconstructions/([0-9a-f]{64}) 20[06]", log)


def xorb_uploads(hub, since: int) -> int:
    log = "".join(hub.output[since : hub.log_mark()])
    return len(re.findall(r"POST /xet-cas/v1/xorbs/\S+ 200", log))


@pytest.fixture(scope="module")
def stock_client():
    """hf_xet on, as pip installs huggingface_hub, for the whole module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(constants, "HF_HUB_DISABLE_XET", False)
        yield


@pytest.fixture(scope="module")
def model(hub, alice, stock_client, tmp_path_factory) -> dict:
    """alice's public model, its LFS files uploaded by `upload_folder` through Xet."""
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, f"xet-files-{uuid.uuid4().hex[:6]}")
    attributes = Path(hf_hub_download(repo_id, ".gitattributes", endpoint=hub.url,
                                      token=alice.token)).read_text()  # fmt: skip
    commit_files(api, repo_id, {".gitattributes": attributes + ATTRIBUTES,
                                "config.json": b'{"a": 1}\n'})  # fmt: skip
    folder = tmp_path_factory.mktemp("upload")
    for path, data in FILES.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    before = hub.log_mark()
    api.upload_folder(repo_id=repo_id, folder_path=folder, commit_message="weights via Xet")
    uploads = xorb_uploads(hub, before)
    tree = {f.path: f for f in api.list_repo_tree(repo_id, recursive=True) if f.path in FILES}
    return {"repo_id": repo_id, "xorbs": uploads, "tree": tree, "sha": api.model_info(repo_id).sha}


def blob_path(hub, oid: str) -> Path:
    return hub.data_dir / "blobs" / oid[:2] / oid[2:4] / oid


# -- the upload -------------------------------------------------------------------------------


def test_the_upload_went_through_xet_and_stored_no_lfs_blob(hub, model):
    assert model["xorbs"] >= 1
    for path, data in FILES.items():
        assert model["tree"][path].lfs.sha256 == sha256(data)
        assert not blob_path(hub, sha256(data)).exists()


def test_tree_and_paths_info_give_xet_files_their_hash(hub, alice, model):
    api = alice.api(hub)
    infos = api.get_paths_info(model["repo_id"], [*FILES, "config.json"], expand=True)

    hashes = {info.path: info.xet_hash for info in infos}
    assert hashes["config.json"] is None
    for path in FILES:
        assert re.fullmatch(r"[0-9a-f]{64}", hashes[path])
        assert model["tree"][path].xet_hash == hashes[path]
    assert len({hashes[path] for path in FILES}) == len(FILES)


def test_a_head_of_resolve_tells_a_xet_client_where_to_read(hub, alice, model):
    repo_id, sha = model["repo_id"], model["sha"]
    xet_hash = model["tree"]["weights.bin"].xet_hash
    with wire(hub, alice) as client:
        head = client.head(f"/{repo_id}/resolve/main/weights.bin")
        token = client.get(head.links["xet-auth"]["url"])

    assert head.status_code == 200
    assert head.headers["X-Xet-Hash"] == xet_hash
    assert head.links["xet-auth"]["url"] == (f"{hub.url}/api/models/{repo_id}/xet-read-token/{sha}")
    assert head.links["xet-reconstruction-info"]["url"] == (
        f"{hub.url}/xet-cas/v1/reconstructions/{xet_hash}"
    )
    assert head.headers["X-Linked-Size"] == str(len(FILES["weights.bin"]))
    assert head.headers["X-Linked-Etag"] == f'"{sha256(FILES["weights.bin"])}"'
    assert head.headers["X-Repo-Commit"] == sha
    assert token.status_code == 200
    assert token.json()["casUrl"] == f"{hub.url}/xet-cas"


# -- Xet downloads ----------------------------------------------------------------------------


def test_hf_hub_download_reads_each_file_through_xet(hub, alice, model, tmp_path):
    before = hub.log_mark()

    for path, data in FILES.items():
        local = hf_hub_download(model["repo_id"], path, endpoint=hub.url, token=alice.token,
                                cache_dir=tmp_path)  # fmt: skip
        assert Path(local).read_bytes() == data

    assert sorted(set(xet_reads(hub, before))) == sorted(f.xet_hash for f in model["tree"].values())


def test_snapshot_download_reads_the_repo_through_xet(hub, alice, model, tmp_path):
    before = hub.log_mark()

    folder = Path(snapshot_download(model["repo_id"], endpoint=hub.url, token=alice.token,
                                    cache_dir=tmp_path))  # fmt: skip

    for path, data in FILES.items():
        assert (folder / path).read_bytes() == data
    assert (folder / "config.json").read_bytes() == b'{"a": 1}\n'
    assert sorted(set(xet_reads(hub, before))) == sorted(f.xet_hash for f in model["tree"].values())


def test_a_pull_request_uploaded_through_xet_downloads_through_xet(hub, alice, model, tmp_path):
    api = alice.api(hub)
    data = os.urandom(90 * KiB)
    commit = api.upload_file(path_or_fileobj=data, path_in_repo="pr.bin", repo_id=model["repo_id"],
                             create_pr=True)  # fmt: skip
    before = hub.log_mark()

    local = hf_hub_download(model["repo_id"], "pr.bin", revision=commit.pr_revision,
                            endpoint=hub.url, token=alice.token, cache_dir=tmp_path)  # fmt: skip

    assert Path(local).read_bytes() == data
    assert len(xet_reads(hub, before)) == 1


# -- the same bytes for every other client ----------------------------------------------------

WITHOUT_XET = (
    STEPS
    + """
import hashlib, json, os
from pathlib import Path
from huggingface_hub import hf_hub_download, snapshot_download

repo_id, paths = os.environ["TEST_REPO"], json.loads(os.environ["TEST_PATHS"])

def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()

with step("hf_hub_download") as out:
    out["files"] = {path: digest(hf_hub_download(repo_id, path)) for path in paths}
with step("snapshot_download") as out:
    folder = Path(snapshot_download(repo_id, cache_dir=os.environ["HF_HOME"] + "/other"))
    out["files"] = {path: digest(folder / path) for path in paths}
done()
"""
)


def test_huggingface_hub_without_xet_gets_the_same_bytes_over_http(hub, alice, model, tmp_path):
    before = hub.log_mark()

    results = run_client_script(
        hub, alice.token, tmp_path / "home", WITHOUT_XET, HF_HUB_DISABLE_XET="1",
        TEST_REPO=model["repo_id"], TEST_PATHS=json.dumps(list(FILES)),
    )  # fmt: skip

    expected = {path: sha256(data) for path, data in FILES.items()}
    assert step_ok(results, "hf_hub_download")["files"] == expected
    assert step_ok(results, "snapshot_download")["files"] == expected
    assert xet_reads(hub, before) == []


def test_git_clone_with_git_lfs_gets_the_same_bytes(hub, model, tmp_path):
    git = GitCli(tmp_path / "home")

    git("clone", remote(hub, model["repo_id"]), "clone", cwd=tmp_path)

    for path, data in FILES.items():
        assert (tmp_path / "clone" / path).read_bytes() == data


def test_a_git_push_may_point_at_an_object_stored_only_in_xet(
    hub, alice, model, repo_name, tmp_path
):
    """git-lfs finds the object stored and uploads nothing; the hub takes the pointer."""
    data = FILES["weights.bin"]
    repo_id = make_repo(hub, alice, repo_name)
    git = GitCli(tmp_path / "home")
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)

    sha = git.commit_files(tmp_path / "clone", {"copy.bin": data}, "The same weights")
    before = hub.log_mark()
    git("push", "origin", "main", cwd=tmp_path / "clone")

    assert alice.api(hub).model_info(repo_id).sha == sha
    log = "".join(hub.output[before : hub.log_mark()])
    assert "objects/batch 200" in log
    assert "/lfs/upload/" not in log
    assert not blob_path(hub, sha256(data)).exists()
    with httpx.Client(base_url=hub.url, timeout=30) as client:
        assert client.get(f"/{repo_id}/resolve/main/copy.bin").content == data
    [info] = alice.api(hub).get_paths_info(repo_id, ["copy.bin"])
    assert info.xet_hash == model["tree"]["weights.bin"].xet_hash


def test_the_web_pages_raw_and_download_links_give_the_same_bytes(hub, model):
    repo_id = model["repo_id"]
    with httpx.Client(base_url=hub.url, timeout=30) as browser:
        for path, data in FILES.items():
            raw = browser.get(f"/{repo_id}/raw/main/{path}")
            download = browser.get(f"/{repo_id}/resolve/main/{path}?download=true")
            assert (raw.status_code, download.status_code) == (200, 200)
            assert raw.content == data
            assert download.content == data
        page = browser.get(f"/{repo_id}/blob/main/data/table.csv")

    assert page.status_code == 200
    assert "row number 7" in page.text


def test_range_requests_on_a_xet_only_file_give_exactly_those_bytes(hub, model):
    data, url = FILES["weights.bin"], f"/{model['repo_id']}/resolve/main/weights.bin"
    size = len(data)
    spans = {  # Range header -> the span [start, end) it asks for
        "bytes=0-0": (0, 1),
        "bytes=100-70000": (100, 70001),
        f"bytes={size - 10}-": (size - 10, size),
        "bytes=-300000": (size - 300000, size),
        f"bytes=5-{size + 100}": (5, size),
    }
    with httpx.Client(base_url=hub.url, timeout=30) as client:
        for header, (start, end) in spans.items():
            response = client.get(url, headers={"Range": header})
            assert response.status_code == 206, header
            assert response.content == data[start:end], header
            assert response.headers["Content-Length"] == str(end - start)
            assert response.headers["Content-Range"] == f"bytes {start}-{end - 1}/{size}"
            assert response.headers["ETag"] == f'"{sha256(data)}"'
        beyond = client.get(url, headers={"Range": f"bytes={size}-"})
        whole = client.get(url)

    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{size}"
    assert whole.status_code == 200
    assert whole.headers["Content-Length"] == str(size)
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.content == data


def test_git_lfs_batch_download_links_serve_a_xet_only_object(hub, alice, model):
    data = FILES["model.safetensors"]
    with wire(hub, alice) as client:
        batch = client.post(
            f"/{model['repo_id']}.git/info/lfs/objects/batch",
            json={"operation": "download", "objects": [{"oid": sha256(data), "size": len(data)}]},
            headers={"Accept": "application/vnd.git-lfs+json"},
        ).json()
        href = batch["objects"][0]["actions"]["download"]["href"]
        got = httpx.get(href, headers={"Range": "bytes=4-11"})

    assert href.startswith(hub.url)
    assert got.status_code == 206
    assert got.content == data[4:12]


def test_a_git_lfs_upload_of_a_xet_stored_object_is_skipped(hub, alice, model):
    data = FILES["weights.bin"]
    with wire(hub, alice) as client:
        batch = client.post(
            f"/{model['repo_id']}.git/info/lfs/objects/batch",
            json={"operation": "upload", "objects": [{"oid": sha256(data), "size": len(data)}]},
            headers={"Accept": "application/vnd.git-lfs+json"},
        ).json()

    assert "actions" not in batch["objects"][0]


WORKER_READ = """
import hashlib, json
from registry.services.objects import object_open, object_path
objects = json.loads({objects!r})
out = {{}}
for oid, size in objects:
    with object_open(oid=oid, size=size) as handle:
        handle.seek(size // 2)
        tail = handle.read()
        handle.seek(0)
        whole = handle.read()
    on_disk = object_path(oid=oid, size=size).read_bytes()
    out[oid] = [hashlib.sha256(whole).hexdigest(), hashlib.sha256(on_disk).hexdigest(),
                whole[size // 2:] == tail]
print(json.dumps(out))
"""


def test_workers_read_xet_only_files_from_a_reader_and_from_disk(hub, model):
    objects = [(sha256(data), len(data)) for data in FILES.values()]

    printed = hub.manage("shell", "-c", WORKER_READ.format(objects=json.dumps(objects))).stdout

    read = json.loads(printed.strip().splitlines()[-1])
    assert read == {oid: [oid, oid, True] for oid, _ in objects}


def test_the_inference_api_answers_from_a_model_uploaded_through_xet(
    hub, alice, stock_client, repo_name, tmp_path
):
    # Imported here: torch and transformers take seconds to load, for this test only.
    from transformers import pipeline

    from tests.inference import tiny

    # A seed no other test uses: its weights must not already sit in the hub as an LFS blob.
    folder = tiny.text_classifier(tmp_path / "model", seed=7919)
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, repo_name)
    api.upload_folder(repo_id=repo_id, folder_path=folder)
    [weights] = [f for f in api.list_repo_tree(repo_id) if f.path.endswith(".safetensors")]
    with wire(hub, alice) as client:
        client.timeout = 120
        answer = client.post(f"/models/{repo_id}", json={"inputs": "i love this movie"},
                             headers={"X-Wait-For-Model": "true"})  # fmt: skip

    assert weights.xet_hash and not blob_path(hub, weights.lfs.sha256).exists()
    expected = pipeline("text-classification", model=str(folder))("i love this movie", top_k=None)
    assert answer.status_code == 200, answer.text
    scores = {row["label"]: row["score"] for row in answer.json()[0]}
    assert scores == {row["label"]: pytest.approx(row["score"], rel=1e-4) for row in expected}


def test_fsck_counts_xet_only_objects_as_stored(hub, model):
    report = hub.manage("fsck", check=False)

    for data in FILES.values():
        assert sha256(data) not in report.stdout + report.stderr


# -- datasets ---------------------------------------------------------------------------------

PUSH_AND_LOAD = (
    STEPS
    + """
import os
from datasets import Dataset, load_dataset

repo_id = os.environ["TEST_REPO"]
with step("push") as out:
    pushed = Dataset.from_dict({"id": list(range(500)), "text": [f"row {n}" for n in range(500)]})
    pushed.push_to_hub(repo_id, private=True)
    out["pushed"] = pushed.to_list()
with step("load") as out:
    out["loaded"] = load_dataset(repo_id, split="train").to_list()
done()
"""
)


def test_datasets_push_to_hub_through_xet_then_load_dataset(hub, alice, tmp_path):
    repo_id = f"alice/xet-pushed-{uuid.uuid4().hex[:6]}"
    before = hub.log_mark()

    results = run_client_script(hub, alice.token, tmp_path / "home", PUSH_AND_LOAD,
                                TEST_REPO=repo_id)  # fmt: skip

    assert step_ok(results, "load")["loaded"] == step_ok(results, "push")["pushed"]
    assert xorb_uploads(hub, before) >= 1


# -- who can read what ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def secret(hub, alice, stock_client) -> tuple[str, bytes, str]:
    """alice's private model with a file uploaded through Xet: (repo, bytes, xet hash)."""
    api = alice.api(hub)
    repo_id = make_repo(hub, alice, f"xet-secret-{uuid.uuid4().hex[:6]}", private=True)
    data = os.urandom(70 * KiB)
    api.upload_file(path_or_fileobj=data, path_in_repo="secret.bin", repo_id=repo_id)
    [info] = api.get_paths_info(repo_id, ["secret.bin"])
    return repo_id, data, info.xet_hash


def test_charlie_cannot_reconstruct_a_private_xet_file_with_a_token_for_his_repo(
    hub, charlie, secret, repo_name
):
    _, _, xet_hash = secret
    own = make_repo(hub, charlie, repo_name)
    with wire(hub, charlie) as client:
        token = client.get(f"/api/models/{own}/xet-read-token/main").json()
        answer = client.get(
            f"{token['casUrl']}/v1/reconstructions/{xet_hash}",
            headers={"Authorization": f"Bearer {token['accessToken']}"},
        )

    assert answer.status_code in (403, 404)
    assert not answer.content.startswith(b'{"offset_into_first_range"')


def test_charlie_cannot_commit_a_pointer_to_a_private_xet_file(hub, charlie, secret, repo_name):
    _, data, _ = secret
    own = make_repo(hub, charlie, repo_name)
    pointer = {"path": "stolen.bin", "algo": "sha256", "oid": sha256(data), "size": len(data)}
    line = {"key": "lfsFile", "value": pointer}
    body = json.dumps({"key": "header", "value": {"summary": "take it"}}) + "\n"
    body += json.dumps(line) + "\n"
    with wire(hub, charlie) as client:
        answer = client.post(f"/api/models/{own}/commit/main", content=body.encode(),
                             headers={"Content-Type": "application/x-ndjson"})  # fmt: skip
        files = client.get(f"/api/models/{own}/tree/main").json()

    assert answer.status_code == 400
    assert "does not exist" in answer.headers["X-Error-Message"]
    assert "stolen.bin" not in [entry["path"] for entry in files]
