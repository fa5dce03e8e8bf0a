"""Backup and restore of a whole hub: database, git repositories, LFS objects and the Xet
store's xorbs, one folder.

The database is dumped first, then each repository it lists, then the objects and the xorbs
its rows name. In that order every pointer in the copied repositories names an object the
backup holds (objects and xorbs are stored before any row or commit names them); what
changed in between (a commit after the dump) shows up in `fsck`, and `fsck --repair`
re-reads it.
"""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command

from registry import errors
from registry.blobs.backup import objects_export, objects_import, xorbs_export, xorbs_import
from registry.gitstore.backup import repos_export, repos_import
from registry.models import Repo

DATABASE = "database.json"
REPOS = "repos"
OBJECTS = "lfs-objects"
XORBS = "xet-xorbs"
# Rebuilt by `migrate`, or worthless in another instance (sessions).
_NOT_DUMPED = ["contenttypes", "auth.permission", "sessions"]


def hub_backup(*, dest: Path, objects: bool = True) -> dict[str, int]:
    """Writes a backup into the new or empty folder `dest`; returns what it holds.

    `objects=False` leaves the LFS objects and xorbs out, for a bucket backed up on its own.
    """
    if dest.exists() and any(dest.iterdir()):
        raise errors.BadRequest(f"{dest} is not empty: back up into a new folder")
    dest.mkdir(parents=True, exist_ok=True)
    dump = dest / DATABASE
    call_command("dumpdata", exclude=_NOT_DUMPED, natural_foreign=True, output=str(dump),
                 verbosity=0)  # fmt: skip
    rows = json.loads(dump.read_text())
    storage_ids = [
        item["fields"]["storage_id"] for item in rows if item["model"] == "registry.repo"
    ]
    xorbs = [
        (item["pk"], item["fields"]["serialized_len"])
        for item in rows
        if item["model"] == "xetstore.xorb"
    ]
    counts = {"repos": repos_export(storage_ids, dest / REPOS)}
    counts["objects"] = objects_export(dest / OBJECTS) if objects else 0
    counts["xorbs"] = xorbs_export(xorbs, dest / XORBS) if objects else 0
    return counts


def hub_restore(*, src: Path) -> dict[str, int]:
    """Loads a backup into this hub, which must be migrated and still empty."""
    if not (src / DATABASE).is_file():
        raise errors.BadRequest(f"{src} holds no {DATABASE}: not a Minihub backup")
    if Repo.objects.exists() or get_user_model().objects.exists():
        raise errors.Conflict(
            "This hub already has users or repos: restore into a new, migrated database "
            "before its first start"
        )
    call_command("loaddata", str(src / DATABASE), verbosity=0)
    counts = {"repos": repos_import(src / REPOS) if (src / REPOS).is_dir() else 0}
    counts["objects"] = objects_import(src / OBJECTS) if (src / OBJECTS).is_dir() else 0
    counts["xorbs"] = xorbs_import(src / XORBS) if (src / XORBS).is_dir() else 0
    return counts
