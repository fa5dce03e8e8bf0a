from registry.gitstore import GitRepo
from registry.models import Discussion, Repo
from tests.web.conftest import commit_files, make_repo


def _read(repo, path: str, rev: str = "main") -> bytes:
    git = GitRepo(repo.storage_id)
    return git.read_blob(git.entry(git.resolve(rev), path).oid)


def test_creating_a_repo_from_the_form(client, alice):
    client.force_login(alice)

    response = client.post(
        "/new", {"owner": "alice", "name": "fresh", "type": "dataset", "visibility": "private"}
    )

    assert response["Location"] == "/datasets/alice/fresh"
    assert Repo.objects.get(name="fresh").private is True


def test_creating_a_repo_with_a_taken_name_shows_the_error(client, alice):
    make_repo(alice, "taken")
    client.force_login(alice)

    response = client.post(
        "/new", {"owner": "alice", "name": "taken", "type": "model", "visibility": "public"}
    )

    assert (
        response.status_code == 200 and b"You already created this model repo" in response.content
    )


def test_editing_the_card_commits_with_the_message(client, alice):
    repo = make_repo(alice)
    commit_files(repo, alice, {"README.md": b"# Old\n"})
    client.force_login(alice)
    form = client.get("/alice/tiny/edit/main/README.md").content.decode()
    parent = form.split('name="parent_commit" value="')[1].split('"')[0]

    response = client.post(
        "/alice/tiny/edit/main/README.md",
        {
            "path": "README.md",
            "content": "# New\r\n",
            "summary": "Rename",
            "description": "",
            "parent_commit": parent,
        },
    )

    assert response.status_code == 302 and "/alice/tiny/commit/" in response["Location"]
    assert _read(repo, "README.md") == b"# New\n"
    assert (
        GitRepo(repo.storage_id).commit_info(GitRepo(repo.storage_id).resolve("main")).title
        == "Rename"
    )


def test_an_edit_from_a_stale_page_is_refused(client, alice):
    repo = make_repo(alice)
    stale = GitRepo(repo.storage_id).resolve("main")
    commit_files(repo, alice, {"README.md": b"# Newer\n"})
    client.force_login(alice)

    response = client.post(
        "/alice/tiny/edit/main/README.md",
        {"path": "README.md", "content": "# Mine\n", "summary": "x", "parent_commit": stale},
    )

    assert b"The branch was updated since you opened this page" in response.content
    assert _read(repo, "README.md") == b"# Newer\n"


def test_a_reader_proposes_an_edit_as_a_pull_request(client, alice, charlie):
    repo = make_repo(alice)
    commit_files(repo, alice, {"README.md": b"# Card\n"})
    client.force_login(charlie)

    response = client.post(
        "/alice/tiny/edit/main/README.md",
        {
            "path": "README.md",
            "content": "# Better card\n",
            "summary": "Improve the card",
            "create_pr": "on",
        },
    )

    assert response["Location"] == "/alice/tiny/discussions/1"
    pull = Discussion.objects.get(repo=repo, num=1)
    assert pull.is_pull_request and pull.title == "Improve the card"
    assert _read(repo, "README.md", "refs/pr/1") == b"# Better card\n"
    assert _read(repo, "README.md") == b"# Card\n"
    assert b"+# Better card" in client.get("/alice/tiny/discussions/1").content


def test_a_reader_cannot_commit_to_a_branch(client, alice, charlie):
    repo = make_repo(alice)
    client.force_login(charlie)

    response = client.post(
        "/alice/tiny/edit/main/notes.txt", {"path": "notes.txt", "content": "hi", "summary": "x"}
    )

    assert b"You don&#x27;t have write access" in response.content
    assert (
        GitRepo(repo.storage_id).entry(GitRepo(repo.storage_id).resolve("main"), "notes.txt")
        is None
    )


def test_a_new_file_path_is_validated(client, alice):
    make_repo(alice)
    client.force_login(alice)

    response = client.post("/alice/tiny/edit/main", {"path": "../escape", "content": "x"})

    assert b"climbs out of its folder" in response.content


def test_deleting_a_file_commits_its_removal(client, alice):
    repo = make_repo(alice)
    commit_files(repo, alice, {"old.txt": b"bye"})
    client.force_login(alice)

    client.post("/alice/tiny/delete/main/old.txt", {"summary": "Remove old.txt"})

    git = GitRepo(repo.storage_id)
    assert git.entry(git.resolve("main"), "old.txt") is None


def test_the_upload_page_points_its_script_at_the_api_and_lfs(client, alice):
    make_repo(alice, "squad", repo_type="dataset")
    client.force_login(alice)

    page = client.get("/datasets/alice/squad/upload/main").content.decode()

    assert 'data-api="/api/datasets/alice/squad"' in page
    assert 'data-batch="/datasets/alice/squad.git/info/lfs/objects/batch"' in page
    assert "hub/upload.js" in page


def test_anonymous_visitors_are_sent_to_sign_in_before_editing(client, alice):
    make_repo(alice)

    response = client.get("/alice/tiny/edit/main/README.md")

    assert response.status_code == 302 and response["Location"].startswith("/login?next=")


def _open_pull_request(client, charlie, content: bytes = b"# Better card\n"):
    client.force_login(charlie)
    client.post(
        "/alice/tiny/edit/main/README.md",
        {"path": "README.md", "content": content.decode(), "summary": "Improve", "create_pr": "on"},
    )


def test_a_maintainer_merges_a_pull_request_from_its_page(client, alice, charlie):
    repo = make_repo(alice)
    commit_files(repo, alice, {"README.md": b"# Card\n"})
    _open_pull_request(client, charlie)
    assert b'value="merge"' not in client.get("/alice/tiny/discussions/1").content
    client.force_login(alice)
    assert b'value="merge"' in client.get("/alice/tiny/discussions/1").content

    response = client.post("/alice/tiny/discussions/1", {"action": "merge"})

    assert response["Location"] == "/alice/tiny/discussions/1"
    pull = Discussion.objects.get(repo=repo, num=1)
    assert pull.status == "merged" and pull.merge_commit
    assert _read(repo, "README.md") == b"# Better card\n"
    assert b"merged as" in client.get("/alice/tiny/discussions/1").content


def test_a_conflicting_merge_shows_the_files_and_moves_nothing(client, alice, charlie):
    repo = make_repo(alice)
    commit_files(repo, alice, {"README.md": b"# Card\n"})
    _open_pull_request(client, charlie)
    commit_files(repo, alice, {"README.md": b"# Changed on main\n"})
    client.force_login(alice)

    response = client.post("/alice/tiny/discussions/1", {"action": "merge"})

    assert b"conflicts with main: README.md" in response.content
    assert Discussion.objects.get(repo=repo, num=1).status == "open"
    assert _read(repo, "README.md") == b"# Changed on main\n"


def test_the_author_closes_and_reopens_but_cannot_merge(client, alice, charlie):
    repo = make_repo(alice)
    commit_files(repo, alice, {"README.md": b"# Card\n"})
    _open_pull_request(client, charlie)

    client.post("/alice/tiny/discussions/1", {"action": "close"})
    assert Discussion.objects.get(repo=repo, num=1).status == "closed"
    client.post("/alice/tiny/discussions/1", {"action": "reopen"})
    assert Discussion.objects.get(repo=repo, num=1).status == "open"

    response = client.post("/alice/tiny/discussions/1", {"action": "merge"})
    assert b"Only the repo&#x27;s maintainers can merge" in response.content
    assert Discussion.objects.get(repo=repo, num=1).status == "open"


def test_others_cannot_close_a_discussion(client, alice, charlie, bob):
    repo = make_repo(alice)
    commit_files(repo, alice, {"README.md": b"# Card\n"})
    _open_pull_request(client, charlie)
    client.force_login(bob)

    assert b'value="close"' not in client.get("/alice/tiny/discussions/1").content
    response = client.post("/alice/tiny/discussions/1", {"action": "close"})

    assert b"Only the author or the repo&#x27;s maintainers" in response.content
    assert Discussion.objects.get(repo=repo, num=1).status == "open"


def test_a_new_file_holding_a_secret_commits_with_a_warning_to_revoke_it(client, alice):
    make_repo(alice)
    client.force_login(alice)

    response = client.post(
        "/alice/tiny/edit/main",
        {
            "path": "settings.py",
            "content": 'aws_key = "AKIAIOSFODNN7EXAMPLE"\r\n',
            "summary": "",
            "description": "",
            "parent_commit": "",
        },  # fmt: skip
        follow=True,
    )

    page = response.content.decode()
    assert "This commit seems to hold secrets: settings.py line 1 (AWS Access Key)" in page
    assert "Revoke them now" in page
