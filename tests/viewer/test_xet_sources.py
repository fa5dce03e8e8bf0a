"""A dataset file stored through Xet only (the stock client's upload) is converted from its
chunks as they are read: the rows are right and no whole copy is written out first."""

import pytest
from django.test import Client

from registry.gitstore import GitRepo
from registry.services.commits import LfsRef, commit_create, lfs_pointer_changes
from tests.conftest import make_token
from tests.xet.builders import make_file, make_shard, make_xorb
from tests.xet.conftest import bearer, make_repo, post_shard, post_xorb, xet_storage  # noqa: F401
from viewer.conversion import conversion_run
from viewer.models import DatasetConversion

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("xet_storage")]
CSV = b"id,text\n" + b"".join(b"%d,row number %d\n" % (i, i) for i in range(5000))


def _xet_only_csv(alice, repo) -> None:
    """train.csv uploaded as hf_xet does: a xorb, then a shard; main gets its pointer."""
    client = Client()
    answer = client.get(f"/api/datasets/{repo.repo_id}/xet-write-token/main",
                        headers=bearer(make_token(alice)))  # fmt: skip
    token = answer.json()["accessToken"]
    pieces = [CSV[start : start + 8192] for start in range(0, len(CSV), 8192)]
    xorb = make_xorb(pieces)
    assert post_xorb(client, token, xorb).status_code == 200
    built = make_file([(xorb, 0, len(pieces))])
    assert post_shard(client, token, make_shard([built], [xorb])).status_code == 200
    git = GitRepo(repo.storage_id)
    ref = LfsRef(path="train.csv", oid=built.sha256, size=len(CSV))
    commit_create(user=alice, repo=repo, git=git, ref="refs/heads/main", parent_commit=None,
                  changes=lfs_pointer_changes(user=alice, repo=repo, git=git, items=[ref]),
                  message="Add data\n")  # fmt: skip


def test_a_xet_only_csv_is_converted_without_a_whole_local_copy(alice, settings, tmp_path):
    settings.HUB_DATA_DIR = tmp_path / "data"
    repo = make_repo(alice, "streamed", repo_type="dataset")
    _xet_only_csv(alice, repo)

    conversion_run(repo_pk=repo.pk)

    conversion = DatasetConversion.objects.get(repo=repo)
    assert conversion.status == DatasetConversion.Status.DONE, conversion.error
    assert conversion.splits[0]["num_rows"] == 5000
    assert not (tmp_path / "data" / "xet-cache").exists()
    page = Client().get("/api/datasets-server/rows", {
        "dataset": repo.repo_id, "config": "default", "split": "train", "offset": 4998,
        "length": 5,
    }).json()  # fmt: skip
    assert [r["row"] for r in page["rows"]] == [
        {"id": 4998, "text": "row number 4998"},
        {"id": 4999, "text": "row number 4999"},
    ]
