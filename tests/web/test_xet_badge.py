"""The Files tab tells how each large file is stored: a Xet badge for a file the Xet store
holds (what the stock client uploads), an LFS badge for a Git LFS object, none for git."""

import hashlib
import re

import pytest
from django.test import Client

from registry.blobs import blob_store
from registry.gitstore import Change, GitRepo
from registry.services.commits import LfsRef, commit_create, lfs_link, lfs_pointer_changes
from tests.conftest import make_token
from tests.xet.builders import make_chunks, make_file, make_shard, make_xorb
from tests.xet.conftest import (  # noqa: F401
    bearer,
    cas_token,
    make_repo,
    post_shard,
    post_xorb,
    xet_storage,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("xet_storage")]


def _xet_file(client, alice, repo) -> LfsRef:
    token = cas_token(client, alice, repo)
    xorb = make_xorb(make_chunks(3, seed=5))
    assert post_xorb(client, token, xorb).status_code == 200
    built = make_file([(xorb, 0, 3)])
    assert post_shard(client, token, make_shard([built], [xorb])).status_code == 200
    return LfsRef(path="model.safetensors", oid=built.sha256, size=len(built.content))


def _lfs_file(repo) -> LfsRef:
    data = b"\x01" * 4096
    oid = hashlib.sha256(data).hexdigest()
    blob_store().put(oid, iter([data]), size=len(data))
    lfs_link(repo=repo, oid=oid, size=len(data))
    return LfsRef(path="weights.bin", oid=oid, size=len(data))


def _badges(html: str) -> dict[str, str]:
    """Each file row's name and the storage badge beside it ("" for none)."""
    found = {}
    for row in re.findall(r'<td class="name">(.*?)</td>', html, re.S):
        name = re.search(r">([^<>]+)</a>", row).group(1)
        badge = re.search(r'<span class="badge (xet|lfs)"', row)
        found[name] = badge.group(1) if badge else ""
    return found


def test_the_files_tab_badges_xet_and_lfs_files(alice):
    client = Client(headers=bearer(make_token(alice)))
    repo = make_repo(alice, "badges")
    git = GitRepo(repo.storage_id)
    refs = [_xet_file(client, alice, repo), _lfs_file(repo)]
    changes = lfs_pointer_changes(user=alice, repo=repo, git=git, items=refs)
    changes.append(Change("add", "config.json", git.write_blob(b"{}")))
    commit_create(user=alice, repo=repo, git=git, ref="refs/heads/main", parent_commit=None,
                  changes=changes, message="Add files\n")  # fmt: skip

    page = client.get(f"/{repo.repo_id}/tree/main")

    assert page.status_code == 200
    badges = _badges(page.content.decode())
    assert badges["model.safetensors"] == "xet"
    assert badges["weights.bin"] == "lfs"
    assert badges["config.json"] == ""
