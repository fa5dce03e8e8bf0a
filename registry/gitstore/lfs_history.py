"""LFS pointers across a repository's history: where each object was pushed, and history
rewritten without the pointers of objects that were permanently deleted."""

from collections.abc import Iterator

import pygit2

from registry.gitstore.lfs import POINTER_MAX_SIZE, parse_pointer
from registry.gitstore.repo import GitRepo

_BLOB = pygit2.enums.ObjectType.BLOB
_TREE_MODE = pygit2.enums.FileMode.TREE
# The refs a rewrite moves; other refs (notes, the hub's own) name no files a client reads.
REWRITTEN_PREFIXES = ("refs/heads/", "refs/tags/", "refs/pr/")


def ordered_refs(git: GitRepo) -> list[str]:
    """main first, then the other branches, tags and pull requests, each group by name."""
    names = [name for name in git.git.references if name.startswith(REWRITTEN_PREFIXES)]
    rank = {prefix: i for i, prefix in enumerate(REWRITTEN_PREFIXES)}
    return sorted(
        names,
        key=lambda name: (name != "refs/heads/main", rank[name[: name.index("/", 5) + 1]], name),
    )


def pointer_paths(git: GitRepo) -> dict[str, tuple[str, str]]:
    """oid -> (a path, the ref) of every LFS pointer in history: the newest path under the
    first ref (in `ordered_refs` order) whose history holds it."""
    found: dict[str, tuple[str, str]] = {}
    seen_commits: set[pygit2.Oid] = set()
    for ref in ordered_refs(git):
        head = git.git.references[ref].peel(pygit2.Commit)
        for commit in git.git.walk(head.id, pygit2.enums.SortMode.TIME):
            if commit.id in seen_commits:
                continue
            seen_commits.add(commit.id)
            for path, oid in _changed_blobs(git.git, commit):
                pointer = _pointer(git.git, oid)
                if pointer is not None and pointer not in found:
                    found[pointer] = (path, ref)
    return found


def _changed_blobs(
    repo: pygit2.Repository, commit: pygit2.Commit
) -> Iterator[tuple[str, pygit2.Oid]]:
    """The blobs a commit adds or changes against its first parent (all of a root's)."""
    if commit.parents:
        diff = repo.diff(commit.parents[0].tree, commit.tree)
    else:
        diff = commit.tree.diff_to_tree(swap=True)
    for delta in diff.deltas:
        if delta.new_file.id != pygit2.Oid(hex="0" * 40):
            yield delta.new_file.path, delta.new_file.id


def _pointer(repo: pygit2.Repository, oid: pygit2.Oid) -> str | None:
    kind, size = repo.odb.read_header(oid)
    if kind != _BLOB or size > POINTER_MAX_SIZE:
        return None
    pointer = parse_pointer(repo[oid].data)
    return pointer.oid if pointer else None


class _Rewriter:
    """Rebuilds trees and commits without pointer blobs naming `oids`; memoized, so each
    tree and commit is visited once however many refs share it."""

    def __init__(self, repo: pygit2.Repository, oids: set[str]):
        self.repo, self.oids = repo, oids
        self.trees: dict[pygit2.Oid, pygit2.Oid | None] = {}
        self.commits: dict[pygit2.Oid, pygit2.Oid] = {}

    def tree(self, tree: pygit2.Tree) -> pygit2.Oid | None:
        """The rewritten tree's id; None when nothing is left in it."""
        if tree.id not in self.trees:
            self.trees[tree.id] = self._build(tree)
        return self.trees[tree.id]

    def _build(self, tree: pygit2.Tree) -> pygit2.Oid | None:
        builder, changed, kept = self.repo.TreeBuilder(), False, 0
        for entry in tree:
            oid = entry.id
            if entry.filemode == _TREE_MODE:
                oid = self.tree(self.repo[entry.id])
            elif _pointer(self.repo, entry.id) in self.oids:
                oid = None
            changed |= oid != entry.id
            if oid is not None:
                builder.insert(entry.name, oid, entry.filemode)
                kept += 1
        if not changed:
            return tree.id
        return builder.write() if kept else None

    def commit(self, commit_id: pygit2.Oid) -> pygit2.Oid:
        # Parents first, iteratively: a long history must not exhaust Python's stack.
        order = [
            c.id
            for c in self.repo.walk(
                commit_id, pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE
            )
            if c.id not in self.commits
        ]
        for oid in order:
            self.commits[oid] = self._rewrite_commit(self.repo[oid])
        return self.commits[commit_id]

    def _rewrite_commit(self, commit: pygit2.Commit) -> pygit2.Oid:
        parents = [self.commits[p] for p in commit.parent_ids]
        tree = self.tree(commit.tree)
        if tree is None:
            tree = self.repo.TreeBuilder().write()
        if tree == commit.tree_id and parents == list(commit.parent_ids):
            return commit.id
        return self.repo.create_commit(
            None, commit.author, commit.committer, commit.raw_message, tree, parents
        )


def rewrite_without(git: GitRepo, oids: set[str]) -> dict[str, tuple[str, str]]:
    """Rewrites the history of every branch, tag and pull request without the LFS pointers
    of `oids`: ref -> (old target, new target) for each ref whose target changed. Moves
    no ref; annotated tags get a new tag object with the same name, tagger and message."""
    rewriter = _Rewriter(git.git, oids)
    moves = {}
    for ref in ordered_refs(git):
        target = git.git.references[ref].target
        obj = git.git[target]
        if isinstance(obj, pygit2.Tag):
            new = _retag(git.git, obj, rewriter.commit(obj.peel(pygit2.Commit).id))
        else:
            new = rewriter.commit(obj.peel(pygit2.Commit).id)
        if new != target:
            moves[ref] = (str(target), str(new))
    return moves


def _retag(repo: pygit2.Repository, tag: pygit2.Tag, commit: pygit2.Oid) -> pygit2.Oid:
    if commit == tag.target:
        return tag.id
    raw = repo.odb.read(tag.id)[1]
    body = raw.split(b"\n", 1)[1]  # everything after `object <sha>`
    return repo.odb.write(
        pygit2.enums.ObjectType.TAG, b"object " + str(commit).encode() + b"\n" + body
    )
