"""Git over HTTP with Git LFS: the real `git` and `git-lfs` clients against a live hub."""

import gzip
import os
import subprocess

import httpx2 as httpx
import pytest
from huggingface_hub import CommitOperationAdd, hf_hub_download

from registry.gitstore.lfs import pointer_bytes
from tests.contract.conftest import make_repo, sha256
from tests.contract.gitcli import GitCli, remote

pytestmark = pytest.mark.live

KiB = 1024


@pytest.fixture
def git(tmp_path) -> GitCli:
    return GitCli(tmp_path / "home")


@pytest.fixture
def model(hub, alice, repo_name, no_xet) -> tuple[str, bytes, bytes]:
    """alice's public model, made through the API: an LFS file and a regular file."""
    repo_id = make_repo(hub, alice, repo_name)
    weights, config = os.urandom(300 * KiB), b'{"hidden_size": 8}\n'
    alice.api(hub).create_commit(
        repo_id,
        [CommitOperationAdd("weights.bin", weights), CommitOperationAdd("config.json", config)],
        commit_message="Add weights",
    )
    return repo_id, weights, config


def download(hub, persona, repo_id: str, filename: str, tmp_path) -> bytes:
    path = hf_hub_download(repo_id, filename, endpoint=hub.url, token=persona.token,
                           cache_dir=tmp_path / "hf-cache")  # fmt: skip
    with open(path, "rb") as handle:
        return handle.read()


def refs(api, repo_id: str) -> dict[str, str]:
    listed = api.list_repo_refs(repo_id)
    return {ref.ref: ref.target_commit for ref in [*listed.branches, *listed.tags]}


def remote_refs(git: GitCli, url: str, tmp_path) -> dict[str, str]:
    """What `git ls-remote` shows, tags peeled to their commits as the API lists them."""
    lines = git.out("ls-remote", url, cwd=tmp_path).splitlines()
    found = dict(reversed(line.split("\t")) for line in lines)
    found.pop("HEAD")
    return {ref: found.get(f"{ref}^{{}}", sha) for ref, sha in found.items() if "^{}" not in ref}


# -- clone, fetch, pull ------------------------------------------------------------------------


def test_a_clone_has_the_api_history_and_lfs_files_byte_for_byte(hub, alice, model, git, tmp_path):
    repo_id, weights, config = model
    api = alice.api(hub)

    git("clone", remote(hub, repo_id), "clone", cwd=tmp_path)

    checkout = tmp_path / "clone"
    assert (checkout / "weights.bin").read_bytes() == weights
    assert (checkout / "config.json").read_bytes() == config
    history = git.out("log", "--format=%H", cwd=checkout).splitlines()
    assert history == [commit.commit_id for commit in api.list_repo_commits(repo_id)]
    assert history[0] == api.model_info(repo_id).sha


def test_a_clone_without_smudge_has_lfs_pointers_only(hub, model, git, tmp_path):
    repo_id, weights, _ = model

    git("clone", remote(hub, repo_id), "clone", cwd=tmp_path, GIT_LFS_SKIP_SMUDGE="1")

    on_disk = (tmp_path / "clone" / "weights.bin").read_bytes()
    assert on_disk == pointer_bytes(sha256(weights), len(weights))


def test_a_shallow_clone_has_only_the_newest_commit(hub, alice, model, git, tmp_path):
    repo_id, weights, _ = model

    git("clone", "--depth", "1", remote(hub, repo_id), "shallow", cwd=tmp_path)

    checkout = tmp_path / "shallow"
    assert git.out("rev-list", "--count", "HEAD", cwd=checkout) == "1"
    assert git.out("rev-parse", "HEAD", cwd=checkout) == alice.api(hub).model_info(repo_id).sha
    assert (checkout / "weights.bin").read_bytes() == weights


@pytest.mark.parametrize("version", ["0", "2"])
@pytest.mark.parametrize("suffix", ["", ".git"])
def test_clone_speaks_protocol_v0_and_v2_with_or_without_dot_git(
    hub, alice, model, git, tmp_path, version, suffix
):
    repo_id, weights, _ = model
    url = remote(hub, repo_id, suffix=suffix)

    cloned = git("-c", f"protocol.version={version}", "clone", url, "clone", cwd=tmp_path,
                 GIT_TRACE_PACKET="1")  # fmt: skip

    checkout = tmp_path / "clone"
    assert ("< version 2" in cloned.stderr) == (version == "2")
    assert git.out("rev-parse", "HEAD", cwd=checkout) == alice.api(hub).model_info(repo_id).sha
    assert (checkout / "weights.bin").read_bytes() == weights


@pytest.mark.parametrize(
    ("repo_type", "extra"), [("dataset", {}), ("space", {"space_sdk": "static"})]
)
def test_datasets_and_spaces_clone_and_push_under_their_prefix(
    hub, alice, repo_name, git, tmp_path, repo_type, extra
):
    repo_id = make_repo(hub, alice, repo_name, repo_type=repo_type, **extra)
    url = remote(hub, repo_id, token=alice.token, repo_type=repo_type)
    git("clone", url, "clone", cwd=tmp_path)

    sha = git.commit_files(tmp_path / "clone", {"index.html": b"<p>hi</p>\n"}, "Add a page")
    git("push", "origin", "main", cwd=tmp_path / "clone")

    assert alice.api(hub).repo_info(repo_id, repo_type=repo_type).sha == sha


def test_fetch_and_pull_bring_new_api_commits(hub, alice, model, git, tmp_path):
    repo_id, _, _ = model
    api = alice.api(hub)
    git("clone", remote(hub, repo_id), "clone", cwd=tmp_path)
    info = api.upload_file(path_or_fileobj=b"notes\n", path_in_repo="notes.md", repo_id=repo_id)

    git("pull", "--ff-only", cwd=tmp_path / "clone")

    assert git.out("rev-parse", "HEAD", cwd=tmp_path / "clone") == info.oid
    assert (tmp_path / "clone" / "notes.md").read_bytes() == b"notes\n"


def test_a_fetch_with_a_long_negotiation_is_gzipped_and_still_works(
    hub, alice, model, git, tmp_path
):
    repo_id, _, _ = model
    git("clone", remote(hub, repo_id), "clone", cwd=tmp_path)
    checkout = tmp_path / "clone"
    for number in range(60):  # unpushed commits: git offers each as a "have"
        git.commit_files(checkout, {"local.txt": b"%d\n" % number}, f"Local {number}")
    info = alice.api(hub).upload_file(path_or_fileobj=b"new\n", path_in_repo="new.txt",
                                      repo_id=repo_id)  # fmt: skip

    fetched = git("fetch", "origin", cwd=checkout, GIT_TRACE_CURL="1", GIT_TRACE_CURL_NO_DATA="1")

    assert "Content-Encoding: gzip" in fetched.stderr
    assert git.out("rev-parse", "origin/main", cwd=checkout) == info.oid


# -- push --------------------------------------------------------------------------------------


def test_a_push_larger_than_gits_post_buffer_streams_through(hub, alice, model, git, tmp_path):
    """Over http.postBuffer (1 MiB) git sends the pack chunked, without Content-Length."""
    repo_id, _, _ = model
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)
    data = os.urandom(3 * 1024 * KiB).hex().encode()  # text: not an LFS pattern

    sha = git.commit_files(tmp_path / "clone", {"big.txt": data}, "A big text file")
    pushed = git("push", "origin", "main", cwd=tmp_path / "clone", GIT_TRACE_CURL="1",
                 GIT_TRACE_CURL_NO_DATA="1")  # fmt: skip

    assert "Transfer-Encoding: chunked" in pushed.stderr
    assert alice.api(hub).model_info(repo_id).sha == sha
    assert download(hub, alice, repo_id, "big.txt", tmp_path) == data


def test_a_gzipped_push_body_lands(hub, alice, model, git, tmp_path):
    """git never compresses a push, but other clients may: the hub inflates the body."""
    repo_id, _, _ = model
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)
    checkout = tmp_path / "clone"
    old = git.out("rev-parse", "HEAD", cwd=checkout)
    new = git.commit_files(checkout, {"gzipped.txt": b"gzipped\n"}, "Sent gzipped")
    pack = subprocess.run(["git", "pack-objects", "--stdout", "--revs", "--thin", "-q"],
                          input=f"{new}\n^{old}\n".encode(), cwd=checkout, env=git.env,
                          capture_output=True, check=True).stdout  # fmt: skip
    command = f"{old} {new} refs/heads/main\0report-status\n".encode()
    body = b"%04x%s0000%s" % (len(command) + 4, command, pack)

    answer = httpx.post(
        f"{hub.url}/{repo_id}.git/git-receive-pack",
        content=gzip.compress(body),
        headers={"Content-Type": "application/x-git-receive-pack-request",
                 "Content-Encoding": "gzip"},
        auth=("alice", alice.token),
    )  # fmt: skip

    assert answer.status_code == 200
    assert b"unpack ok" in answer.content and b"ok refs/heads/main" in answer.content
    assert alice.api(hub).model_info(repo_id).sha == new
    assert download(hub, alice, repo_id, "gzipped.txt", tmp_path) == b"gzipped\n"


def test_pushed_commits_and_lfs_files_download_through_the_client(hub, alice, model, git, tmp_path):
    repo_id, _, _ = model
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)
    checkout = tmp_path / "clone"
    tensors, text = os.urandom(200 * KiB), b"pushed with git\n"

    sha = git.commit_files(checkout, {"model.safetensors": tensors, "notes.txt": text}, "Push")
    git("push", "origin", "main", cwd=checkout)

    assert alice.api(hub).model_info(repo_id).sha == sha
    assert download(hub, alice, repo_id, "model.safetensors", tmp_path) == tensors
    assert download(hub, alice, repo_id, "notes.txt", tmp_path) == text
    entries = {e.path: e for e in alice.api(hub).list_repo_tree(repo_id)}
    assert entries["model.safetensors"].lfs.sha256 == sha256(tensors)


def test_a_pushed_readme_updates_the_card_data_the_api_shows(hub, alice, model, git, tmp_path):
    repo_id, _, _ = model
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)
    readme = b"---\nlicense: apache-2.0\npipeline_tag: text-classification\n---\n# Model\n"

    git.commit_files(tmp_path / "clone", {"README.md": readme}, "Add a card")
    git("push", "origin", "main", cwd=tmp_path / "clone")

    info = alice.api(hub).model_info(repo_id)
    assert info.card_data["license"] == "apache-2.0"
    assert info.pipeline_tag == "text-classification"


def test_branches_and_tags_made_in_the_api_arrive_in_a_clone(hub, alice, model, git, tmp_path):
    repo_id, _, _ = model
    api = alice.api(hub)
    first = api.list_repo_commits(repo_id)[-1].commit_id
    api.create_branch(repo_id, branch="dev", revision=first)
    api.create_tag(repo_id, tag="v1.0", revision=first, tag_message="First release")

    git("clone", remote(hub, repo_id), "clone", cwd=tmp_path)

    checkout = tmp_path / "clone"
    assert git.out("rev-parse", "origin/dev", cwd=checkout) == first
    assert git.out("rev-parse", "v1.0^{commit}", cwd=checkout) == first
    assert remote_refs(git, remote(hub, repo_id), tmp_path) == refs(api, repo_id)


def test_branches_and_tags_pushed_with_git_appear_in_the_api(hub, alice, model, git, tmp_path):
    repo_id, _, _ = model
    api = alice.api(hub)
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)
    checkout = tmp_path / "clone"
    sha = git.commit_files(checkout, {"feature.txt": b"feature\n"}, "Feature work")
    git("tag", "-a", "v2.0", "-m", "Second release", cwd=checkout)
    git("tag", "light", "HEAD~1", cwd=checkout)

    git("push", "origin", "HEAD:refs/heads/feature", "v2.0", "light", cwd=checkout)

    listed = refs(api, repo_id)
    assert listed["refs/heads/feature"] == sha
    assert listed["refs/tags/v2.0"] == sha
    assert listed["refs/tags/light"] == git.out("rev-parse", "HEAD~1", cwd=checkout)
    assert api.model_info(repo_id, revision="feature").sha == sha
    assert "feature.txt" not in api.list_repo_files(repo_id)


def test_a_branch_and_a_tag_are_deleted_by_push(hub, alice, model, git, tmp_path):
    repo_id, _, _ = model
    api = alice.api(hub)
    api.create_branch(repo_id, branch="old")
    api.create_tag(repo_id, tag="old-tag")
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)

    git("push", "origin", ":old", ":refs/tags/old-tag", cwd=tmp_path / "clone")

    assert set(refs(api, repo_id)) == {"refs/heads/main"}


def test_a_force_push_rewrites_the_branch(hub, alice, model, git, tmp_path):
    repo_id, _, _ = model
    api = alice.api(hub)
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)
    checkout = tmp_path / "clone"
    git("reset", "--hard", "HEAD~1", cwd=checkout)
    sha = git.commit_files(checkout, {"other.txt": b"another history\n"}, "Rewrite")

    refused = git("push", "origin", "main", cwd=checkout, check=False)
    git("push", "--force", "origin", "main", cwd=checkout)

    assert refused.returncode != 0 and "non-fast-forward" in refused.stderr
    assert api.model_info(repo_id).sha == sha
    assert "weights.bin" not in api.list_repo_files(repo_id)


def test_deleting_main_is_refused(hub, alice, model, git, tmp_path):
    repo_id, _, _ = model
    before = alice.api(hub).model_info(repo_id).sha
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)

    refused = git("push", "origin", ":main", cwd=tmp_path / "clone", check=False)

    assert refused.returncode != 0
    assert "remote: The main branch cannot be deleted" in refused.stderr
    assert alice.api(hub).model_info(repo_id).sha == before


def test_pushing_to_a_pull_request_ref_is_refused(hub, alice, model, git, tmp_path):
    repo_id, _, _ = model
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)

    refused = git("push", "origin", "HEAD:refs/pr/1", cwd=tmp_path / "clone", check=False)

    assert refused.returncode != 0
    assert "refs/pr/1 belongs to a pull request" in refused.stderr
    assert "refs/pr/1" not in remote_refs(git, remote(hub, repo_id), tmp_path)


def test_a_tag_of_a_file_is_refused(hub, alice, model, git, tmp_path):
    """The API lists branches and tags by the commit they point to."""
    repo_id, _, _ = model
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)
    checkout = tmp_path / "clone"
    git("tag", "-a", "just-a-file", "-m", "A tag of a blob", "HEAD:config.json", cwd=checkout)

    refused = git("push", "origin", "just-a-file", cwd=checkout, check=False)

    assert refused.returncode != 0
    assert "remote: refs/tags/just-a-file must point to a commit" in refused.stderr
    assert "refs/tags/just-a-file" not in refs(alice.api(hub), repo_id)


def test_a_push_naming_an_lfs_object_the_hub_lacks_is_refused(hub, alice, model, git, tmp_path):
    repo_id, _, _ = model
    before = alice.api(hub).model_info(repo_id).sha
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)
    checkout = tmp_path / "clone"
    data = os.urandom(10 * KiB)
    git.commit_files(checkout, {"never-uploaded.bin": data}, "Pointer without its object")

    # --no-verify skips git-lfs's pre-push hook, as a push from a machine without git-lfs would.
    refused = git("push", "--no-verify", "origin", "main", cwd=checkout, check=False)

    assert refused.returncode != 0
    assert f"never-uploaded.bin is a Git LFS pointer to an object the hub does not have " \
           f"({sha256(data)}, {len(data)} bytes)" in refused.stderr  # fmt: skip
    assert alice.api(hub).model_info(repo_id).sha == before


def test_a_push_cannot_reference_lfs_objects_of_a_repo_the_pusher_cannot_read(
    hub, alice, charlie, repo_name, no_xet, git, tmp_path
):
    secret = os.urandom(20 * KiB)
    private = make_repo(hub, alice, f"{repo_name}-private", private=True)
    alice.api(hub).upload_file(path_or_fileobj=secret, path_in_repo="secret.bin", repo_id=private)
    own = make_repo(hub, charlie, repo_name)
    git("clone", remote(hub, own, token=charlie.token), "clone", cwd=tmp_path)
    checkout = tmp_path / "clone"
    pointer = pointer_bytes(sha256(secret), len(secret))
    git.commit_files(checkout, {"stolen.bin": pointer}, "Point at alice's object")

    # A forger has the hash, not the bytes: git-lfs's own pre-push check would stop first.
    refused = git("push", "--no-verify", "origin", "main", cwd=checkout, check=False)

    assert refused.returncode != 0
    assert "stolen.bin is a Git LFS pointer to an object the hub does not have" in refused.stderr
    assert "stolen.bin" not in charlie.api(hub).list_repo_files(own)


def test_bob_pushes_to_a_repo_of_his_org(hub, alice, bob, repo_name, git, tmp_path):
    repo_id = make_repo(hub, alice, repo_name, namespace="acme")
    git("clone", remote(hub, repo_id, token=bob.token, user="bob"), "clone", cwd=tmp_path)

    sha = git.commit_files(tmp_path / "clone", {"bob.txt": b"from bob\n"}, "Bob's change")
    git("push", "origin", "main", cwd=tmp_path / "clone")

    assert bob.api(hub).model_info(repo_id).sha == sha


def test_charlie_cannot_push_to_alices_repo(hub, alice, charlie, model, git, tmp_path):
    repo_id, _, _ = model
    before = alice.api(hub).model_info(repo_id).sha
    git("clone", remote(hub, repo_id, token=charlie.token), "clone", cwd=tmp_path)
    git.commit_files(tmp_path / "clone", {"charlie.txt": b"hi\n"}, "Not allowed")

    refused = git("push", "origin", "main", cwd=tmp_path / "clone", check=False)

    assert refused.returncode != 0
    assert "remote: You don't have write access to 'alice'" in refused.stderr
    assert alice.api(hub).model_info(repo_id).sha == before


# -- private repos and credentials -------------------------------------------------------------


@pytest.fixture
def private_model(hub, alice, repo_name, no_xet) -> tuple[str, bytes]:
    repo_id = make_repo(hub, alice, repo_name, private=True)
    weights = os.urandom(100 * KiB)
    alice.api(hub).upload_file(path_or_fileobj=weights, path_in_repo="w.bin", repo_id=repo_id)
    return repo_id, weights


def test_the_owner_clones_and_pushes_a_private_repo_with_a_token(
    hub, alice, private_model, git, tmp_path
):
    repo_id, weights = private_model
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)
    checkout = tmp_path / "clone"
    more = os.urandom(50 * KiB)

    sha = git.commit_files(checkout, {"more.bin": more}, "More weights")
    git("push", "origin", "main", cwd=checkout)

    assert (checkout / "w.bin").read_bytes() == weights
    assert alice.api(hub).model_info(repo_id).sha == sha
    assert download(hub, alice, repo_id, "more.bin", tmp_path) == more


def test_git_lfs_pushes_to_a_private_repo_with_a_credential_helper(
    hub, alice, private_model, git, tmp_path
):
    """The usual setup: no token in the URL; git and git-lfs ask the helper after a 401."""
    repo_id, weights = private_model
    git("config", "--global", "credential.helper", "store")
    (tmp_path / "home" / ".git-credentials").write_text(
        remote(hub, "", token=alice.token, user="alice").rstrip("/") + "\n"
    )
    git("clone", remote(hub, repo_id), "clone", cwd=tmp_path)
    checkout = tmp_path / "clone"
    more = os.urandom(40 * KiB)

    sha = git.commit_files(checkout, {"helper.bin": more}, "Pushed with a credential helper")
    git("push", "origin", "main", cwd=checkout)

    assert (checkout / "w.bin").read_bytes() == weights
    assert alice.api(hub).model_info(repo_id).sha == sha
    assert download(hub, alice, repo_id, "helper.bin", tmp_path) == more


def test_the_lfs_batch_api_answers_git_lfs_in_its_own_terms(hub, private_model):
    """git-lfs asks for credentials on a 401 and prints the JSON `message` of an error."""
    repo_id, weights = private_model
    batch = {"operation": "download", "objects": [{"oid": sha256(weights), "size": len(weights)}]}
    url = f"{hub.url}/{repo_id}.git/info/lfs/objects/batch"

    anonymous = httpx.post(url, json=batch)

    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Basic realm="Minihub"'
    assert anonymous.json()["message"] == "Repository not found"


def test_a_private_repo_asks_anonymous_callers_for_credentials(hub, private_model, git, tmp_path):
    repo_id, _ = private_model

    refused = git("clone", remote(hub, repo_id), "clone", cwd=tmp_path, check=False)
    answer = httpx.get(f"{remote(hub, repo_id)}/info/refs?service=git-upload-pack")

    assert refused.returncode != 0
    assert "could not read Username" in refused.stderr  # git asked; prompts are off
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Basic realm="Minihub"'


def test_a_private_repo_does_not_exist_for_charlie(hub, charlie, private_model, git, tmp_path):
    repo_id, _ = private_model

    refused = git("clone", remote(hub, repo_id, token=charlie.token), "x", cwd=tmp_path,
                  check=False)  # fmt: skip

    assert refused.returncode != 0
    assert "remote: Repository not found" in refused.stderr
    assert "not found" in refused.stderr.splitlines()[-1]


def test_a_bad_token_fails_authentication(hub, private_model, git, tmp_path):
    repo_id, _ = private_model
    url = remote(hub, repo_id, token="hf_" + "x" * 34)

    refused = git("clone", url, "clone", cwd=tmp_path, check=False)

    assert refused.returncode != 0
    assert "Authentication failed" in refused.stderr


def test_a_read_token_clones_but_cannot_push(hub, alice, private_model, git, tmp_path):
    repo_id, weights = private_model
    before = alice.api(hub).model_info(repo_id).sha
    git("clone", remote(hub, repo_id, token=alice.read_token), "clone", cwd=tmp_path)
    checkout = tmp_path / "clone"
    git.commit_files(checkout, {"x.txt": b"x\n"}, "Read-only attempt")

    refused = git("push", "origin", "main", cwd=checkout, check=False)

    assert (checkout / "w.bin").read_bytes() == weights
    assert refused.returncode != 0
    assert "remote: This token has the read role; a write token is required" in refused.stderr
    assert alice.api(hub).model_info(repo_id).sha == before


# -- a push is held to the commit service's rules: names, paths and card metadata --

BILLION_LAUGHS = (
    "---\na: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    + "---\n# Card\n"
)


def _clone(hub, alice, repo_id: str, git, tmp_path):
    git("clone", remote(hub, repo_id, token=alice.token), "clone", cwd=tmp_path)
    return tmp_path / "clone"


@pytest.mark.parametrize(
    "readme",
    [BILLION_LAUGHS, "---\nlicense: [mit\n---\n", "---\nx: " + "[" * 100 + "]" * 100 + "\n---\n"],
    ids=["billion laughs", "invalid yaml", "deep nesting"],
)
def test_a_pushed_readme_with_bad_metadata_is_refused(hub, alice, model, git, tmp_path, readme):
    repo_id, _, _ = model
    before = alice.api(hub).model_info(repo_id).sha
    checkout = _clone(hub, alice, repo_id, git, tmp_path)
    git.commit_files(checkout, {"README.md": readme.encode()}, "A card")

    refused = git("push", "origin", "main", cwd=checkout, check=False)

    assert refused.returncode != 0
    assert "remote: Invalid metadata in README.md." in refused.stderr
    assert alice.api(hub).model_info(repo_id).sha == before


def test_a_pushed_path_git_would_check_out_as_dot_git_is_refused(hub, alice, model, git, tmp_path):
    repo_id, _, _ = model
    before = alice.api(hub).model_info(repo_id).sha
    checkout = _clone(hub, alice, repo_id, git, tmp_path)
    # `git~1` is how Windows names `.git`; a Linux git takes it once told not to protect NTFS.
    git("config", "core.protectNTFS", "false", cwd=checkout)
    git.commit_files(checkout, {"GIT~1/config": b"[core]\n"}, "A path Windows reads as .git")

    refused = git("push", "origin", "main", cwd=checkout, check=False)

    assert refused.returncode != 0
    assert "GIT~1" in refused.stderr
    assert alice.api(hub).model_info(repo_id).sha == before


@pytest.mark.parametrize("name", ["@", "-dash"])
def test_a_pushed_branch_the_api_would_refuse_is_refused(hub, alice, model, git, tmp_path, name):
    repo_id, _, _ = model
    checkout = _clone(hub, alice, repo_id, git, tmp_path)

    refused = git("push", "origin", f"HEAD:refs/heads/{name}", cwd=checkout, check=False)

    assert refused.returncode != 0
    assert f"refs/heads/{name}" not in {
        f"refs/heads/{b.name}" for b in alice.api(hub).list_repo_refs(repo_id).branches
    }


def test_a_pushed_readme_with_good_metadata_lands(hub, alice, model, git, tmp_path):
    repo_id, _, _ = model
    checkout = _clone(hub, alice, repo_id, git, tmp_path)
    pushed = git.commit_files(checkout, {"README.md": b"---\nlicense: mit\n---\n# Hi\n"}, "Card")

    git("push", "origin", "main", cwd=checkout)

    info = alice.api(hub).model_info(repo_id)
    assert info.sha == pushed
    assert info.card_data["license"] == "mit"
