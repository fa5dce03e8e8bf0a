"""The only code that touches git repositories on disk.

pygit2 (libgit2) reads objects and writes blobs, trees and commits in-process; branch
moves go through `git update-ref`, whose compare-and-swap takes the same lock files as
`git receive-pack`, so API commits and pushes serialize on one rule.
"""

from registry.gitstore.lfs import LfsPointer, parse_pointer, pointer_bytes
from registry.gitstore.repo import (
    ZERO_OID,
    Change,
    CommitInfo,
    Entry,
    GitRepo,
    RefConflict,
    repo_dir,
)

__all__ = [
    "ZERO_OID",
    "Change",
    "CommitInfo",
    "Entry",
    "GitRepo",
    "LfsPointer",
    "RefConflict",
    "parse_pointer",
    "pointer_bytes",
    "repo_dir",
]
