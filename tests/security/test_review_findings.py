"""Holes a review of the trust boundary found after issue 14 (each test fails until closed).

1. A gated repo's files reach people who were not granted access: the web editor shows a
   file's text, a commit's page shows its diff, and a pull request anyone may open (one that
   deletes the file) shows the whole file as removed lines, on its page and in the API.
2. Names and text the API takes are a 500, not a 400: a revision longer than git's ref name
   limit, and a lone surrogate in JSON text (commit summary, organization, discussion title).
3. /api/validate-yaml is a 500 for a license that is a list of lists.
4. The dataset preview decodes whole Parquet pages: an 8 KB file makes a page view of it
   allocate hundreds of megabytes.
"""

import io
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.test import Client

from registry.gitstore import GitRepo
from tests.conftest import make_token
from tests.security.conftest import bearer, file_line, header_line, ndjson
from tests.web.conftest import _storage, commit_files, make_repo  # noqa: F401

GATED_SECRET = b"gated-secret-line-7f3a9c"


# -- 1. gated files ----------------------------------------------------------------------------


@pytest.fixture
def gated(alice):
    """alice's public model, gated by manual approval: charlie sees it but was not granted."""
    repo = make_repo(alice, "gated-model")
    commit_files(repo, alice, {"README.md": b"# Gated\n", "secret.txt": GATED_SECRET + b"\n"})
    repo.gated = "manual"
    repo.save(update_fields=["gated"])
    return repo


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_gate_holds_for_a_download(gated, charlie):
    """The positive control: charlie is refused the file where it is downloaded."""
    response = signed_in(charlie).get("/alice/gated-model/resolve/main/secret.txt")

    assert response.status_code == 403


def test_charlie_not_granted_does_not_read_a_gated_file_in_the_web_editor(gated, charlie):
    response = signed_in(charlie).get("/alice/gated-model/edit/main/secret.txt")

    assert GATED_SECRET not in response.content


@pytest.mark.parametrize("persona", ["anonymous", "charlie"])
def test_a_gated_files_text_is_not_shown_on_its_commit_page(gated, charlie, persona):
    sha = GitRepo(gated.storage_id).resolve("main")
    client = Client() if persona == "anonymous" else signed_in(charlie)

    response = client.get(f"/alice/gated-model/commit/{sha}")

    assert GATED_SECRET not in response.content


def test_charlie_does_not_read_a_gated_file_by_opening_a_pull_request_that_deletes_it(
    gated, charlie
):
    token = make_token(charlie)
    opened = Client().post(
        "/api/models/alice/gated-model/commit/main?create_pr=1",
        ndjson(header_line("Tidy up"), {"key": "deletedFile", "value": {"path": "secret.txt"}}),
        content_type="application/x-ndjson",
        headers=bearer(token),
    )
    api = Client().get("/api/models/alice/gated-model/discussions/1", headers=bearer(token))
    page = signed_in(charlie).get("/alice/gated-model/discussions/1")

    assert opened.status_code in {200, 403}
    assert GATED_SECRET not in api.content
    assert GATED_SECRET not in page.content


# -- 2. 500s for names and text ----------------------------------------------------------------

LONG_REVISION = "x" * 1100  # over libgit2's ref name buffer; under PATH_MAX_BYTES


@pytest.fixture
def model(alice):
    repo = make_repo(alice, "names")
    commit_files(repo, alice, {"README.md": b"# Names\n"})
    return repo


@pytest.mark.parametrize(
    "url",
    [
        f"/api/models/alice/names/revision/{LONG_REVISION}",
        f"/api/models/alice/names/tree/{LONG_REVISION}",
        f"/api/models/alice/names/commits/{LONG_REVISION}",
        f"/alice/names/resolve/{LONG_REVISION}/README.md",
        f"/alice/names/tree/{LONG_REVISION}",
        f"/alice/names/commits/{LONG_REVISION}",
    ],
)
def test_a_revision_longer_than_git_takes_is_not_found_not_a_500(model, url):
    response = Client(raise_request_exception=False).get(url)

    assert response.status_code in {400, 404}, response.status_code


def _api_post(url: str, data, *, token: str, content_type: str = "application/json"):
    return Client(raise_request_exception=False).post(
        url, data, content_type=content_type, headers=bearer(token)
    )


def test_a_lone_surrogate_in_a_commit_summary_is_a_400_not_a_500(model, alice):
    body = ndjson(header_line("\udcff"), file_line("a.txt", b"a\n"))

    response = _api_post(
        "/api/models/alice/names/commit/main",
        body,
        token=make_token(alice),
        content_type="application/x-ndjson",
    )

    assert response.status_code == 400, response.status_code


def test_a_lone_surrogate_as_the_organization_of_a_new_repo_is_a_400_not_a_500(alice):
    response = _api_post(
        "/api/repos/create",
        {"name": "fine", "organization": "\udcff", "type": "model"},
        token=make_token(alice),
    )

    assert response.status_code in {400, 404}, response.status_code


def test_a_lone_surrogate_in_a_discussion_title_is_a_400_not_a_500(model, alice):
    response = _api_post(
        "/api/models/alice/names/discussions",
        {"title": "\udcff", "description": "x"},
        token=make_token(alice),
    )

    assert response.status_code == 400, response.status_code


# -- 3. validate-yaml --------------------------------------------------------------------------


@pytest.mark.parametrize("license_yaml", ["[[mit]]", "{mit: 1}"])
def test_validate_yaml_answers_a_license_that_is_not_text_with_a_400(db, license_yaml):
    content = f"---\nlicense: {license_yaml}\n---\n# Card\n"

    response = Client(raise_request_exception=False).post(
        "/api/validate-yaml", {"content": content, "repoType": "model"},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 400, response.status_code
    assert response["Content-Type"].startswith("application/json")


# -- 4. the Parquet preview --------------------------------------------------------------------

CELL = 48 * 1024 * 1024


def parquet_bomb() -> bytes:
    """Two rows of 48 MiB each, one zstd page: about 8 KB on disk."""
    table = pa.table({"text": pa.array(["a" * CELL] * 2, type=pa.large_string())})
    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd", use_dictionary=False, data_page_size=1 << 30)
    return out.getvalue()


@contextmanager
def arrow_counted():
    """Arrow's allocations inside the block, counted apart from the rest of the process."""
    previous = pa.default_memory_pool()
    pool = pa.proxy_memory_pool(previous)
    pa.set_memory_pool(pool)
    try:
        yield pool
    finally:
        pa.set_memory_pool(previous)


def test_previewing_a_tiny_parquet_file_does_not_decode_hundreds_of_megabytes(alice):
    bomb = parquet_bomb()
    repo = make_repo(alice, "rows", repo_type="dataset")
    commit_files(repo, alice, {"data/train.parquet": bomb})
    assert len(bomb) < 64 * 1024

    with arrow_counted() as pool:
        response = Client().get("/datasets/alice/rows/blob/main/data/train.parquet")

    assert response.status_code == 200
    assert pool.max_memory() < 32 * 1024 * 1024, pool.max_memory()
