import fcntl
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pygit2
from django.conf import settings

from registry.errors import BadRequest, Conflict, EntryNotFound, RevisionNotFound
from registry.gitstore import roots
from registry.gitstore.cache import listings
from registry.gitstore.edit import TreeEdit
from registry.gitstore.lfs import POINTER_MAX_SIZE, LfsPointer, parse_pointer
from registry.gitstore.roots import repo_dir

ZERO_OID = "0" * 40
# A git ref lock still there this long after it was made, met while holding the repo's
# write lock, is left over from a killed process.
STALE_REF_LOCK_SECONDS = 1.0
# Blobs up to this size are read in-process; larger ones are streamed from git.
BLOB_IN_MEMORY = 1024 * 1024
_PIPE_CHUNK = 256 * 1024
_HEX_RE = re.compile(r"^[0-9a-f]{4,40}$")
# Lines diff_text writes where it leaves something out (pages and the API show them as is).
DIFF_TRUNCATED = "Diff truncated"
LARGE_FILES = "Large files"
_BLOB = pygit2.enums.FileMode.BLOB
_TREE = pygit2.enums.FileMode.TREE


class RefConflict(Conflict):
    """A ref moved between the read and the compare-and-swap, or git could not lock it.

    Writers that can retry catch it; anywhere else it answers 409, never a 500. git's own
    words (with paths on disk) stay in `detail`, out of the answer.
    """

    def __init__(self, detail: str = "", *, ref: str = ""):
        super().__init__(f"{ref or 'The ref'} was being changed by another writer; please retry")
        self.detail = detail


class RefNameClash(RefConflict):
    """A new ref whose name an existing ref holds as a folder, or the reverse.

    Git keeps a ref as a file named after it, so `main` and `main/sub` cannot both exist.
    """

    def __init__(self, ref: str, existing: str):
        super().__init__(f"{ref} clashes with {existing}", ref=ref)
        self.ref, self.existing = ref, existing


@dataclass(frozen=True)
class Entry:
    path: str
    type: str  # "file" or "directory"
    oid: str
    size: int
    lfs: LfsPointer | None = None


@dataclass(frozen=True)
class CommitInfo:
    id: str
    title: str
    message: str
    date: datetime
    author: str
    parents: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Change:
    """One step of a commit: add `data` (or an existing blob `oid`) at `path`, or delete."""

    action: str  # "add", "delete_file" (a file or a folder, as the Hub does), "delete_folder"
    path: str
    oid: str | None = None


class GitRepo:
    def __init__(self, storage_id: uuid.UUID | str):
        self.storage_id = str(storage_id)
        self.path = repo_dir(storage_id)
        self.git = pygit2.Repository(str(self.path))

    @classmethod
    def init(cls, storage_id: uuid.UUID | str) -> "GitRepo":
        path = roots.place_new(storage_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        pygit2.init_repository(str(path), bare=True, initial_head="main")
        return cls(storage_id)

    @staticmethod
    def destroy(storage_id: uuid.UUID | str) -> None:
        path = repo_dir(storage_id, fresh=True)
        if path.exists():
            trash = path.with_name(f".trash-{uuid.uuid4().hex}")
            path.rename(trash)
            shutil.rmtree(trash, ignore_errors=True)
        roots.forget(storage_id)

    # -- refs -------------------------------------------------------------------------

    def ref_target(self, ref: str) -> str | None:
        if "\x00" in ref:
            # libgit2 reads a name up to its first NUL: `main` NUL `x` would find main.
            return None
        try:
            return str(self.git.references[ref].resolve().target)
        except (KeyError, pygit2.InvalidSpecError, UnicodeEncodeError, ValueError):
            # ValueError: a name longer than libgit2 takes names no ref either.
            return None

    def refs(self, prefix: str) -> dict[str, str]:
        """Full ref name -> commit id for every ref under `prefix` (e.g. 'refs/tags/')."""
        found = {}
        for name in self.git.references:
            if name.startswith(prefix):
                target = self.git.references[name].peel(pygit2.Commit).id
                found[name] = str(target)
        return found

    def resolve(self, rev: str) -> str:
        """The commit a branch, tag, full or unique short sha, or other ref names."""
        for ref in _candidate_refs(rev):
            target = self.ref_target(ref)
            if target is not None:
                return str(self.git[target].peel(pygit2.Commit).id)
        if _HEX_RE.fullmatch(rev):
            try:
                return str(self.git.revparse_single(rev).peel(pygit2.Commit).id)
            except (KeyError, ValueError, pygit2.GitError):
                pass
        raise RevisionNotFound(f"Invalid rev id: {rev}")

    def update_ref(self, ref: str, new: str, old: str) -> None:
        """Moves `ref` from `old` to `new` atomically (ZERO_OID: create / delete)."""
        args = ["git", "update-ref"]
        if new == ZERO_OID:
            args += ["-d", ref, old]
        else:
            args += [ref, new, old]
        result = self._run_update_ref(args)
        if result.returncode != 0 and self._clear_stale_lock(ref):
            result = self._run_update_ref(args)
        if result.returncode != 0:
            existing = self._clashing_ref(ref) if old == ZERO_OID else None
            if existing is not None:
                raise RefNameClash(ref, existing)
            raise RefConflict(result.stderr.strip(), ref=ref)

    def _clashing_ref(self, ref: str) -> str | None:
        """An existing ref that is a folder of `ref` (`main` for `main/sub`) or lies inside it."""
        parts = ref.split("/")
        for end in range(1, len(parts)):
            above = "/".join(parts[:end])
            if above in self.git.references:
                return above
        inside = f"{ref}/"
        return next((name for name in self.git.references if name.startswith(inside)), None)

    def _run_update_ref(self, args: list[str]) -> subprocess.CompletedProcess:
        return subprocess.run(
            args, cwd=self.path, capture_output=True, text=True, env=_GIT_ENV, check=False
        )

    def _clear_stale_lock(self, ref: str) -> bool:
        """Removes `<ref>.lock` left by a process killed mid-update; True if one was removed.

        Callers hold the repo's write lock, under which pushes move refs too, so no live
        writer of ours can own the file. A git child of a killed web process may still be
        finishing, though: a lock younger than STALE_REF_LOCK_SECONDS is given the rest of
        that time to go away by itself. Without this, one killed web process would block
        the branch for good.
        """
        lock = self.path / f"{ref}.lock"
        try:
            age = time.time() - lock.stat().st_mtime
        except (FileNotFoundError, NotADirectoryError):
            # NotADirectoryError: a ref holds a folder of this one's path (`main` for
            # `main/sub`), so no lock of it can exist.
            return False
        if age < STALE_REF_LOCK_SECONDS:
            time.sleep(STALE_REF_LOCK_SECONDS - max(0.0, age))
        lock.unlink(missing_ok=True)
        return True

    # -- reads ------------------------------------------------------------------------

    def commit_info(self, sha: str) -> CommitInfo:
        commit = self.git[sha]
        message = commit.message
        title, _, body = message.partition("\n")
        return CommitInfo(
            id=str(commit.id),
            title=title.strip(),
            message=body.strip(),
            date=datetime.fromtimestamp(commit.commit_time, tz=UTC),
            author=commit.author.name,
            parents=[str(p) for p in commit.parent_ids],
        )

    def _tree_at(self, sha: str, path: str) -> pygit2.Tree | pygit2.Blob | None:
        tree = self.git[sha].peel(pygit2.Tree)
        if not path:
            return tree
        try:
            return self.git[tree[path].id]
        except KeyError:
            return None

    def entry(self, sha: str, path: str) -> Entry | None:
        obj = self._tree_at(sha, path)
        if obj is None:
            return None
        if isinstance(obj, pygit2.Tree):
            return Entry(path=path, type="directory", oid=str(obj.id), size=0)
        return self._file_entry(path, obj.id)

    def _file_entry(self, path: str, oid: pygit2.Oid) -> Entry:
        _, size = self.git.odb.read_header(oid)
        lfs = parse_pointer(self.git[oid].data) if size <= POINTER_MAX_SIZE else None
        return Entry(
            path=path,
            type="file",
            oid=str(oid),
            size=lfs.size if lfs else size,
            lfs=lfs,
        )

    def list_tree(self, sha: str, path: str = "", *, recursive: bool = False) -> list[Entry]:
        """Entries under `path` at commit `sha`, directories included, in git's tree order."""
        key = (str(self.path), sha, path, recursive)
        return listings.get_or_build(key, lambda: self._list_tree(sha, path, recursive))

    def _list_tree(self, sha: str, path: str, recursive: bool) -> list[Entry]:
        root = self._tree_at(sha, path)
        if not isinstance(root, pygit2.Tree):
            raise EntryNotFound(f"Entry not found: {path}")
        entries: list[Entry] = []
        self._walk(root, f"{path}/" if path else "", recursive, entries)
        return entries

    def _walk(self, tree: pygit2.Tree, prefix: str, recursive: bool, out: list[Entry]) -> None:
        for item in tree:
            item_path = prefix + item.name
            if item.filemode == _TREE:
                out.append(Entry(path=item_path, type="directory", oid=str(item.id), size=0))
                if recursive:
                    self._walk(self.git[item.id], item_path + "/", recursive, out)
            elif item.type_str == "blob":
                out.append(self._file_entry(item_path, item.id))

    def last_commits(self, sha: str, paths: list[str], *, max_commits: int = 2000) -> dict:
        """For each path, the newest commit (from `sha` back) that changed what it holds.

        Follows first parents, as `git log --first-parent -1 -- <path>` does. Paths still
        unexplained after `max_commits` are attributed to the oldest commit examined.
        """
        pending, found = set(paths), {}
        commit = self.git[sha].peel(pygit2.Commit)
        for _ in range(max_commits):
            if not pending:
                break
            parent = commit.parents[0] if commit.parents else None
            for path in list(pending):
                if parent is None or _oid_at(commit.tree, path) != _oid_at(parent.tree, path):
                    found[path] = str(commit.id)
                    pending.discard(path)
            if parent is None:
                break
            commit = parent
        found.update({path: str(commit.id) for path in pending})
        return {path: self.commit_info(commit_id) for path, commit_id in found.items()}

    def read_blob(self, oid: str) -> bytes:
        return self.git[oid].data

    def blob_entry(self, path: str, oid: str) -> Entry:
        """The file entry a blob of this repo makes at `path` (its LFS object's size)."""
        return self._file_entry(path, pygit2.Oid(hex=oid))

    def blob_pointer(self, oid: str) -> LfsPointer | None:
        """The LFS pointer a blob's content is, if it is one."""
        if self.git.odb.read_header(oid)[1] > POINTER_MAX_SIZE:
            return None
        return parse_pointer(self.git[oid].data)

    def read_text(self, oid: str, *, limit: int) -> str:
        """At most `limit` bytes of a blob, decoded as UTF-8 (bad bytes replaced)."""
        return b"".join(self.blob_chunks(oid, 0, limit)).decode("utf-8", "replace")

    def blob_chunks(self, oid: str, start: int, end: int) -> Iterator[bytes]:
        """Bytes `[start, end)` of a blob, in bounded memory.

        libgit2 inflates an object whole, so blobs past BLOB_IN_MEMORY come from
        `git cat-file` through a pipe: only git's process ever holds them.
        """
        if end - start <= 0:
            return
        if self.git.odb.read_header(oid)[1] <= BLOB_IN_MEMORY:
            yield self.git[oid].data[start:end]
            return
        yield from _piped_range(["git", "cat-file", "blob", oid], self.path, start, end)

    def with_objects(self, folder: Path | None) -> "GitRepo":
        """This repo seen with a push's quarantined objects too, for checks before it lands."""
        seen = GitRepo.__new__(GitRepo)
        seen.path = self.path
        seen.git = pygit2.Repository(str(self.path))
        if folder is not None:
            seen.git.odb.add_disk_alternate(str(folder))
        return seen

    def tree_write(self, sha: str, dest: Path) -> list[tuple[str, LfsPointer]]:
        """Writes commit `sha`'s files under `dest`; LFS pointers are left for the caller
        (the blob store owns their bytes) and returned with their paths."""
        pointers = []
        for entry in self.list_tree(sha, recursive=True):
            if entry.type != "file":
                continue
            target = dest / entry.path
            if not target.resolve().is_relative_to(dest.resolve()):
                raise BadRequest(f"{entry.path} would be written outside the folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            if entry.lfs is not None:
                pointers.append((entry.path, entry.lfs))
                continue
            with target.open("wb") as handle:
                handle.write(self.git[entry.oid].data)
        return pointers

    def walk_commits(self, sha: str):
        return self.git.walk(sha, pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.TIME)

    def is_lfs_path(self, sha: str | None, path: str) -> bool:
        """Whether `.gitattributes` at commit `sha` sends `path` through the LFS filter."""
        if sha is None:
            return False
        flags = pygit2.enums.AttrCheck.NO_SYSTEM | pygit2.enums.AttrCheck.INCLUDE_COMMIT
        return self.git.get_attr(path, "filter", flags=flags, commit=sha) == "lfs"

    # -- writes -----------------------------------------------------------------------

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Serializes this hub's writers on the repo across threads and processes.

        Pushes hold it from their pre-receive hook until receive-pack moved the refs
        (gitstore.push), so commits rarely lose the compare-and-swap that still guards them.
        """
        with self._flock("minihub-write.lock"):
            # A move to another root held this lock while it copied: what this writer
            # prepared (blobs, a push's objects) went to the old copy, so it starts again.
            if (self.path / roots.MOVED_MARKER).exists():
                raise roots.RepoMoved()
            yield

    @contextmanager
    def index_lock(self) -> Iterator[None]:
        """Serializes the rebuilds of the repo's row from git (`repo_reindex`).

        A rebuild reads main's head and then writes the row; one that read before another
        writer's commit must not write after that writer's rebuild. Under this lock the
        last rebuild to run reads the newest head. A lock of its own: rebuilds run after
        the write lock is released, and flock locks do not nest within a process.
        """
        with self._flock("minihub-index.lock"):
            yield

    @contextmanager
    def _flock(self, name: str) -> Iterator[None]:
        """An exclusive lock on the file `name` in the repo, across threads and processes."""
        with open(self.path / name, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def write_blob(self, data: bytes) -> str:
        return str(self.git.create_blob(data))

    def write_blob_from_path(self, path: Path) -> str:
        """Stores a file's bytes as a blob; libgit2 streams it, nothing is read into Python."""
        return str(self.git.create_blob_fromdisk(str(path)))

    def write_commit(
        self,
        *,
        parent: str | None,
        changes: list[Change],
        message: str,
        author: tuple[str, str],
    ) -> str:
        """Writes the tree of `parent` with `changes` applied and a commit on top; moves no ref."""
        index = pygit2.Index()
        if parent is not None:
            index.read_tree(self.git[parent].peel(pygit2.Tree))
        edit = TreeEdit(index)
        for change in changes:
            if change.action == "add":
                edit.add(change.path, change.oid)
            else:
                edit.delete(change.path, folder_only=change.action == "delete_folder")
        try:
            tree = index.write_tree(self.git)
        except pygit2.GitError as exc:
            raise BadRequest(f"Cannot build the commit's tree: {exc}") from None
        signature = pygit2.Signature(author[0], author[1])
        commit = self.git.create_commit(
            None, signature, signature, message, tree, [parent] if parent else []
        )
        return str(commit)

    def write_squash(self, *, sha: str, message: str, author: tuple[str, str]) -> str:
        """A root commit with the tree of `sha`: the branch's history squashed into one."""
        signature = pygit2.Signature(author[0], author[1])
        tree = self.git[sha].peel(pygit2.Tree).id
        return str(self.git.create_commit(None, signature, signature, message, tree, []))

    def write_tag(self, *, name: str, target: str, message: str, author: tuple[str, str]) -> str:
        """An annotated tag object pointing at commit `target`; no ref is created.

        Written straight to the object database: libgit2's tag creation would also create
        the ref, outside the compare-and-swap.
        """
        stamp = int(time.time())
        body = (
            f"object {target}\ntype commit\ntag {name}\n"
            f"tagger {author[0]} <{author[1]}> {stamp} +0000\n\n{message.rstrip()}\n"
        )
        return str(self.git.odb.write(pygit2.enums.ObjectType.TAG, body.encode()))

    def write_merge(
        self, *, base: str, head: str, message: str, author: tuple[str, str]
    ) -> tuple[str | None, list[str]]:
        """Merges `head` into `base`: (new commit, []) or (None, conflicting paths).

        Fast-forwards when `base` is an ancestor of `head`.
        """
        if base == head or self.git.descendant_of(head, base):
            return head, []
        index = self.git.merge_commits(base, head)
        conflicts = _conflicts(index)
        if conflicts:
            return None, conflicts
        tree = index.write_tree(self.git)
        signature = pygit2.Signature(author[0], author[1])
        commit = self.git.create_commit(None, signature, signature, message, tree, [base, head])
        return str(commit), []

    def merge_conflicts(self, base: str, head: str) -> list[str]:
        """Paths that would conflict if `head` were merged into `base`."""
        if base == head or self.git.descendant_of(head, base):
            return []
        return _conflicts(self.git.merge_commits(base, head))

    def diff_text(self, base: str, head: str) -> str:
        """The patch from the merge base of `base` and `head` to `head`, as `git diff a...b`,
        in at most about HUB_DIFF_MAX_BYTES: a file with a side over that size is summarised
        (never loaded), and past it the patch ends with a DIFF_TRUNCATED line."""
        limit = settings.HUB_DIFF_MAX_BYTES
        merge_base = self.git.merge_base(base, head) or base
        diff = self.git.diff(
            self.git[merge_base].peel(pygit2.Tree), self.git[head].peel(pygit2.Tree)
        )
        pieces, used = [], 0
        deltas = list(diff.deltas)  # names, modes and ids only: no blob is read for these
        for index, delta in enumerate(deltas):
            sizes = [self._blob_size(side.id) for side in (delta.old_file, delta.new_file)]
            text = _large_file_summary(delta, sizes) if max(sizes) > limit else diff[index].text
            if used + len(text or "") > limit:
                left = len(deltas) - index
                pieces.append(f"{DIFF_TRUNCATED}: {left} of {len(deltas)} files not shown\n")
                break
            pieces.append(text or "")
            used += len(text or "")
        return "".join(pieces)

    def _blob_size(self, oid: pygit2.Oid) -> int:
        """A blob's size from its header (0 for the null id of an added or deleted side)."""
        return 0 if str(oid) == ZERO_OID else self.git.odb.read_header(oid)[1]

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return ancestor == descendant or self.git.descendant_of(descendant, ancestor)


def _piped_range(args: list[str], cwd: Path, start: int, end: int) -> Iterator[bytes]:
    """Bytes `[start, end)` of what `args` writes to stdout; the process ends with the read."""
    with subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, env=_GIT_ENV) as process:
        position = 0
        try:
            while position < end and (data := process.stdout.read(_PIPE_CHUNK)):
                piece = data[max(start - position, 0) : end - position]
                position += len(data)
                if piece:
                    yield piece
        finally:
            process.kill()


def _large_file_summary(delta: pygit2.DiffDelta, sizes: list[int]) -> str:
    """The header `git diff` writes for a file, then one line with both sides' sizes."""
    old, new = delta.old_file, delta.new_file
    header = f"diff --git a/{old.path} b/{new.path}\n"
    if delta.status_char() == "A":
        header += f"new file mode {new.mode:o}\n"
    elif delta.status_char() == "D":
        header += f"deleted file mode {old.mode:o}\n"
    elif delta.status_char() == "R":
        header += f"rename from {old.path}\nrename to {new.path}\n"
    sides = f"a/{old.path} ({sizes[0]} bytes) and b/{new.path} ({sizes[1]} bytes)"
    return f"{header}{LARGE_FILES} {sides} differ\n"


def _conflicts(index: pygit2.Index) -> list[str]:
    if index.conflicts is None:
        return []
    return sorted({(ours or theirs or base).path for base, ours, theirs in index.conflicts})


def _oid_at(tree: pygit2.Tree, path: str) -> pygit2.Oid | None:
    try:
        return tree[path].id
    except KeyError:
        return None


# The Hub's alias of its Parquet conversion (`hf://datasets/x@~parquet/...`); `~` cannot be
# in a ref name, so no branch or tag can take it.
_ALIASES = {"~parquet": "refs/convert/parquet"}


def _candidate_refs(rev: str) -> list[str]:
    if rev in _ALIASES:
        return [_ALIASES[rev]]
    if rev.startswith("refs/"):
        return [rev]
    return [f"refs/heads/{rev}", f"refs/tags/{rev}"]


_GIT_ENV = {
    "PATH": "/usr/bin:/bin:/usr/local/bin",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}
