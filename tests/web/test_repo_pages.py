import pytest

from registry.gitstore import GitRepo
from registry.models import Like, Repo
from tests.web.conftest import commit_files, commit_lfs, make_repo

CARD = b"""---
license: mit
language: [en, fr]
datasets: [squad]
base_model: google/bert-base
pipeline_tag: text-classification
model-index:
- name: tiny
  results:
  - task: {type: text-classification}
    dataset: {name: SST-2, type: sst2}
    metrics:
    - {type: accuracy, value: 0.91}
---
# Tiny model

| split | accuracy |
|-------|----------|
| test  | 0.91     |

```python
print("hi")
```

See [the config](config.json) and ![a figure](img/fig.png).
"""


@pytest.fixture
def tiny(alice):
    repo = make_repo(alice)
    commit_files(
        repo,
        alice,
        {
            "README.md": CARD,
            "config.json": b'{"hidden": 8}\n',
            "src/train.py": b"def train():\n    return 1\n",
        },
    )
    return repo


def test_the_card_renders_markdown_with_tags_and_a_metadata_sidebar(client, tiny):
    page = client.get("/alice/tiny").content.decode()

    assert "<h1>Tiny model</h1>" in page
    assert "<td>0.91</td>" in page
    assert '<pre class="highlight"><code><span class="nb">print</span>' in page
    assert 'href="/alice/tiny/blob/main/config.json"' in page
    assert 'src="/alice/tiny/resolve/main/img/fig.png"' in page
    assert "license:mit" in page and "dataset:squad" in page
    assert '<a href="/google/bert-base">google/bert-base</a>' in page
    assert "<dd>en, fr</dd>" in page
    assert "<td>SST-2" in page and "<td>accuracy</td><td>0.91</td>" in page


def test_pages_send_a_policy_that_runs_only_the_hubs_own_scripts(client, tiny):
    response = client.get("/alice/tiny")

    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_tree_lists_folders_first_with_sizes_and_last_commits(client, alice, tiny):
    commit_files(tiny, alice, {"config.json": b'{"hidden": 16}\n'}, message="Widen the model")

    page = client.get("/alice/tiny/tree/main").content.decode()

    assert page.index(">src</a>") < page.index("README.md</a>")
    assert page[: page.index(">src</a>")].rfind('class="icon folder"') > page.find("<tbody>")
    row = page[page.index("config.json</a>") :].split("</tr>")[0]
    assert "15\xa0bytes" in row and "Widen the model" in row
    readme_row = page[page.index("README.md</a>") :].split("</tr>")[0]
    assert "Add files" in readme_row


def test_a_tree_can_be_read_at_a_tag_or_an_old_commit(client, alice, tiny):
    first = GitRepo(tiny.storage_id).resolve("main")
    commit_files(tiny, alice, {"later.txt": b"later"})

    assert b"later.txt" not in client.get(f"/alice/tiny/tree/{first}").content
    assert b"later.txt" in client.get("/alice/tiny/tree/main").content


def test_the_file_viewer_highlights_code(client, alice, tiny):
    client.force_login(alice)
    page = client.get("/alice/tiny/blob/main/src/train.py").content.decode()

    assert '<span class="k">def</span>' in page
    assert "/alice/tiny/edit/main/src/train.py" in page


def test_an_lfs_file_shows_its_size_sha256_and_a_download_button(client, alice, tiny):
    oid = commit_lfs(tiny, alice, "model.safetensors", b"w" * 4096)

    page = client.get("/alice/tiny/blob/main/model.safetensors").content.decode()

    assert oid in page
    assert 'href="/alice/tiny/resolve/main/model.safetensors?download=true"' in page
    assert "4.0\xa0KB" in page


def test_an_image_is_previewed_from_bytes_that_cannot_run_script(client, alice, tiny):
    commit_files(tiny, alice, {"fig.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>"})

    assert (
        b'<img src="/alice/tiny/raw/main/fig.svg"'
        in client.get("/alice/tiny/blob/main/fig.svg").content
    )
    raw = client.get("/alice/tiny/raw/main/fig.svg")
    assert raw["Content-Type"] == "image/svg+xml"
    assert raw["Content-Security-Policy"].startswith("sandbox")


def test_the_history_lists_commits_and_a_commit_shows_its_diff(client, alice, tiny):
    sha = commit_files(tiny, alice, {"config.json": b'{"hidden": 16}\n'}, message="Widen")
    commit_lfs(tiny, alice, "weights.bin", b"x" * 100)

    history = client.get("/alice/tiny/commits/main").content.decode()
    assert history.index("Add weights.bin") < history.index("Widen")

    page = client.get(f"/alice/tiny/commit/{sha}").content.decode()
    assert '<span class="del">-{&quot;hidden&quot;: 8}</span>' in page
    assert '<span class="add">+{&quot;hidden&quot;: 16}</span>' in page
    lfs_sha = GitRepo(tiny.storage_id).resolve("main")
    lfs_page = client.get(f"/alice/tiny/commit/{lfs_sha}").content.decode()
    assert "LFS file added" in lfs_page and "(100\xa0bytes)" in lfs_page


def test_a_signed_in_user_likes_and_unlikes_without_javascript(client, alice, tiny):
    client.force_login(alice)

    client.post("/alice/tiny/like")
    assert Like.objects.filter(repo=tiny).count() == 1
    assert b'aria-pressed="true"' in client.get("/alice/tiny").content
    client.post("/alice/tiny/like")
    assert Repo.objects.get(pk=tiny.pk).likes == 0


def test_datasets_and_spaces_live_under_their_prefix(client, alice):
    make_repo(alice, "squad-mini", repo_type="dataset")

    assert client.get("/datasets/alice/squad-mini").status_code == 200
    assert client.get("/alice/squad-mini").status_code == 404


def test_a_renamed_repo_redirects_its_old_page(client, alice, tiny):
    from registry.services.repos import repo_move

    repo_move(user=alice, token=None, repo=tiny, to_repo="alice/renamed")

    response = client.get("/alice/tiny/tree/main")
    assert response.status_code == 302 and response["Location"] == "/alice/renamed/tree/main"


def test_an_unknown_path_is_an_html_404(client, tiny):
    response = client.get("/alice/tiny/blob/main/missing.txt")

    assert response.status_code == 404
    assert b"<h1>Not found</h1>" in response.content


def test_unknown_api_paths_stay_json_404s(client, db):
    for path in ("/api/does-not-exist", "/api/models/x/y/nope", "/lfs/x", "/api"):
        response = client.get(path)
        # Under /api/models/, x/y names a missing repo: 401 to anonymous callers, as the Hub.
        assert response.status_code == (401 if path.startswith("/api/models/") else 404)
        assert response["Content-Type"] == "application/json", path
