"""Datasets pushed through the commit service and converted as the worker would, for tests
that run in the test process (no live hub)."""

import io

import pyarrow as pa
import pyarrow.parquet as pq

from registry.gitstore import Change, GitRepo
from registry.models import Repo, User
from registry.services.commits import commit_create
from registry.services.repos import repo_create
from viewer.conversion import conversion_run
from viewer.models import DatasetConversion

CARD = """---
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train.csv
  - split: test
    path: data/test.csv
dataset_info:
  features:
  - name: text
    dtype: string
  - name: label
    dtype:
      class_label:
        names:
          '0': negative
          '1': positive
---
# Reviews
"""
TRAIN = "text,label\nI loved it,1\nAwful film,0\nA fine cast,1\n"
TEST = "text,label\nNot for me,0\n"


def push(repo: Repo, user: User, files: dict[str, bytes]) -> None:
    git = GitRepo(repo.storage_id)
    changes = [Change("add", path, git.write_blob(data)) for path, data in files.items()]
    commit_create(user=user, repo=repo, git=git, ref="refs/heads/main", parent_commit=None,
                  changes=changes, message="Add data\n")  # fmt: skip


def parquet_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def make_dataset(owner: User, name: str, files: dict[str, bytes], *, private: bool = False) -> Repo:
    repo = repo_create(user=owner, token=None, name=name, organization=None,
                       repo_type="dataset", private=private)  # fmt: skip
    push(repo, owner, files)
    repo.refresh_from_db()
    return repo


def make_converted(owner: User, name: str, files: dict[str, bytes] | None = None,
                   *, private: bool = False) -> DatasetConversion:  # fmt: skip
    """A dataset (by default: the reviews, with class names in the card) converted."""
    files = files or {"README.md": CARD.encode(), "data/train.csv": TRAIN.encode(),
                      "data/test.csv": TEST.encode()}  # fmt: skip
    repo = make_dataset(owner, name, files, private=private)
    conversion_run(repo_pk=repo.pk)
    return DatasetConversion.objects.get(repo=repo)
