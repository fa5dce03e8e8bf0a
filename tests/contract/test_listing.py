"""Listing and search with the real client: GET /api/models|datasets|spaces (search, author,
filter, sort, limit, full, cardData, expand, Link pagination), the index behind them and the
download counts they sort by."""

import re
import uuid

import pytest
from huggingface_hub import hf_hub_download

from tests.contract.conftest import make_repo, wire
from tests.contract.helpers import card, commit_files

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def catalog(hub, alice, bob, charlie):
    """Repos whose names share one marker, so searches see only them.

    alice/old (no card), alice/bert (fill-mask, mit, en, trained on the corpus, tag tiny;
    1 like, 1 download, touched last), alice/gpt (text-generation, apache-2.0, fr; 3 likes),
    acme/org (bob's, no card), acme/secret (private, tag tiny), the dataset alice/corpus
    (en, text-classification) and the space alice/demo.
    """
    mark = f"cat{uuid.uuid4().hex[:8]}"
    api = alice.api(hub)
    ids = {"old": make_repo(hub, alice, f"{mark}-old")}
    ids["corpus"] = make_repo(hub, alice, f"{mark}-corpus", repo_type="dataset")
    commit_files(
        api,
        ids["corpus"],
        {"README.md": card(language=["en"], task_categories=["text-classification"])},
        repo_type="dataset",
    )
    ids["bert"] = make_repo(hub, alice, f"{mark}-bert")
    bert_card = card(
        library_name="transformers",
        pipeline_tag="fill-mask",
        license="mit",
        language=["en"],
        datasets=[ids["corpus"]],
        tags=["tiny"],
    )
    commit_files(api, ids["bert"], {"README.md": bert_card, "config.json": "{}"})
    ids["gpt"] = make_repo(hub, alice, f"{mark}-gpt")
    gpt_card = card(
        library_name="transformers",
        pipeline_tag="text-generation",
        license="apache-2.0",
        language=["fr"],
    )
    commit_files(api, ids["gpt"], {"README.md": gpt_card})
    ids["org"] = make_repo(hub, bob, f"{mark}-org", namespace="acme")
    ids["secret"] = make_repo(hub, alice, f"{mark}-secret", namespace="acme", private=True)
    commit_files(api, ids["secret"], {"README.md": card(tags=["tiny"])})
    ids["demo"] = make_repo(hub, alice, f"{mark}-demo", repo_type="space", space_sdk="static")
    for persona in (alice, bob, charlie):
        _like(hub, persona, ids["gpt"])
    _like(hub, alice, ids["bert"])
    with wire(hub, alice) as client:
        assert client.get(f"/{ids['bert']}/resolve/main/config.json").status_code == 200
    commit_files(api, ids["bert"], {"notes.txt": "touched last"})
    return mark, ids


def _like(hub, persona, repo_id: str) -> None:
    with wire(hub, persona) as client:
        assert client.post(f"/api/models/{repo_id}/like").status_code == 200


def _ids(models) -> list[str]:
    return [m.id for m in models]


def test_search_finds_repos_by_name_and_author_narrows_to_a_namespace(hub, alice, catalog):
    mark, ids = catalog
    api = alice.api(hub)

    found = set(_ids(api.list_models(search=mark)))
    by_acme = set(_ids(api.list_models(search=mark, author="acme")))

    assert found == {ids["old"], ids["bert"], ids["gpt"], ids["org"], ids["secret"]}
    assert by_acme == {ids["org"], ids["secret"]}
    assert _ids(api.list_models(search=f"{mark}-gp")) == [ids["gpt"]]
    assert _ids(api.list_models(search=f"ACME/{mark}-O")) == [ids["org"]]


def test_private_repos_are_listed_only_for_those_who_may_see_them(
    hub, alice, bob, charlie, anonymous, catalog
):
    mark, ids = catalog

    seen = {
        p.name: set(_ids(p.api(hub).list_models(search=mark))) for p in (bob, charlie, anonymous)
    }

    assert ids["secret"] in seen["bob"]
    assert ids["secret"] not in seen["charlie"]
    assert ids["secret"] not in seen["anonymous"]
    assert seen["charlie"] == seen["anonymous"] == {ids["old"], ids["bert"], ids["gpt"], ids["org"]}
    assert _ids(anonymous.api(hub).list_models(search=mark, filter="tiny")) == [ids["bert"]]


def test_filter_matches_tags_from_the_card(hub, anonymous, catalog):
    mark, ids = catalog
    api = anonymous.api(hub)

    assert _ids(api.list_models(search=mark, filter="tiny")) == [ids["bert"]]
    assert _ids(api.list_models(search=mark, filter="license:mit")) == [ids["bert"]]
    assert _ids(api.list_models(search=mark, filter="license:apache-2.0")) == [ids["gpt"]]
    assert _ids(api.list_models(search=mark, filter=["transformers", "fill-mask"])) == [ids["bert"]]


def test_filter_by_library_name_from_the_card(hub, anonymous, catalog):
    mark, ids = catalog

    by_tag = set(_ids(anonymous.api(hub).list_models(search=mark, filter="transformers")))
    with wire(hub, anonymous) as client:
        raw = client.get("/api/models", params={"search": mark, "library": "transformers"})

    assert by_tag == {ids["bert"], ids["gpt"]}
    assert {item["id"] for item in raw.json()} == {ids["bert"], ids["gpt"]}


def test_filter_by_pipeline_tag(hub, anonymous, catalog):
    mark, ids = catalog

    found = _ids(anonymous.api(hub).list_models(search=mark, pipeline_tag="text-generation"))

    assert found == [ids["gpt"]]


def test_filter_language_en_finds_models_and_datasets_whose_card_says_en(hub, anonymous, catalog):
    mark, ids = catalog
    api = anonymous.api(hub)

    assert _ids(api.list_models(search=mark, filter="en")) == [ids["bert"]]
    assert _ids(api.list_models(search=mark, filter="language:en")) == [ids["bert"]]
    assert _ids(api.list_models(search=mark, filter="language:fr")) == [ids["gpt"]]
    assert _ids(api.list_datasets(search=mark, filter="language:en")) == [ids["corpus"]]


def test_filter_dataset_finds_models_trained_on_it(hub, anonymous, catalog):
    mark, ids = catalog

    found = _ids(anonymous.api(hub).list_models(search=mark, trained_dataset=ids["corpus"]))

    assert found == [ids["bert"]]


@pytest.mark.parametrize(
    ("sort", "field", "first"),
    [
        ("downloads", "downloads", "bert"),
        ("likes", "likes", "gpt"),
        ("trending_score", "trending_score", "gpt"),
        ("last_modified", "last_modified", "bert"),
        ("created_at", "created_at", "secret"),
    ],
)
def test_sort_puts_the_highest_first(hub, alice, catalog, sort, field, first):
    mark, ids = catalog
    expand = {"trending_score": "trendingScore", "last_modified": "lastModified"}
    key = expand.get(field, "createdAt" if field == "created_at" else field)

    models = list(alice.api(hub).list_models(search=mark, sort=sort, expand=[key]))

    values = {m.id: getattr(m, field) for m in models}
    assert list(values.values()) == sorted(values.values(), reverse=True)
    assert values[ids[first]] == max(values.values())
    if field != "last_modified":  # commit dates have whole seconds: the catalog may share one
        assert models[0].id == ids[first]
        assert values[ids[first]] > values[ids["old"]]


def test_sorted_values_are_what_the_users_did(hub, alice, catalog):
    mark, ids = catalog

    models = {m.id: m for m in alice.api(hub).list_models(search=mark, sort="likes")}

    assert (models[ids["gpt"]].likes, models[ids["bert"]].likes, models[ids["old"]].likes) == (
        3,
        1,
        0,
    )
    assert (models[ids["bert"]].downloads, models[ids["gpt"]].downloads) == (1, 0)
    assert models[ids["gpt"]].trending_score == 3
    assert models[ids["bert"]].trending_score == 2


def test_limit_caps_the_results(hub, alice, catalog):
    mark, ids = catalog

    models = list(alice.api(hub).list_models(search=mark, sort="likes", limit=2))

    assert _ids(models) == [ids["gpt"], ids["bert"]]


def test_full_lists_files_and_card_data_gives_the_card(hub, anonymous, catalog):
    mark, ids = catalog
    api = anonymous.api(hub)

    (full,) = api.list_models(search=f"{mark}-bert", full=True)
    (carded,) = api.list_models(search=f"{mark}-bert", cardData=True)
    (plain,) = api.list_models(search=f"{mark}-bert")

    assert {s.rfilename for s in full.siblings} == {
        ".gitattributes",
        "README.md",
        "config.json",
        "notes.txt",
    }
    assert carded.card_data.license == "mit"
    assert carded.card_data.pipeline_tag == "fill-mask"
    assert plain.card_data is None and plain.siblings is None
    assert (plain.pipeline_tag, plain.library_name) == ("fill-mask", "transformers")
    assert {"tiny", "license:mit", "transformers"} <= set(plain.tags)


def test_expand_returns_only_the_asked_properties(hub, anonymous, catalog):
    mark, ids = catalog

    (model,) = anonymous.api(hub).list_models(search=f"{mark}-bert", expand=["likes", "sha"])

    assert model.id == ids["bert"]
    assert model.likes == 1
    assert re.fullmatch(r"[0-9a-f]{40}", model.sha)
    assert model.pipeline_tag is None and model.downloads is None and model.tags is None


def test_list_datasets_and_list_spaces_list_their_own_kind(hub, anonymous, catalog):
    mark, ids = catalog
    api = anonymous.api(hub)

    datasets = _ids(api.list_datasets(search=mark))
    spaces = _ids(api.list_spaces(search=mark))
    by_task = _ids(api.list_datasets(search=mark, filter="task_categories:text-classification"))

    assert datasets == [ids["corpus"]]
    assert spaces == [ids["demo"]]
    assert by_task == [ids["corpus"]]


def test_a_link_header_with_an_absolute_url_leads_to_the_next_page(hub, alice, catalog):
    mark, ids = catalog
    pages = []
    with wire(hub, alice) as client:
        response = client.get("/api/models", params={"search": mark, "limit": 2})
        while True:
            pages.append([item["id"] for item in response.json()])
            link = response.headers.get("Link")
            if not link:
                break
            url = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1)
            assert url.startswith(f"{hub.url}/api/models?")
            response = client.get(url)

    assert [len(page) for page in pages] == [2, 2, 1]
    listed = [repo_id for page in pages for repo_id in page]
    assert sorted(listed) == sorted(
        {ids["old"], ids["bert"], ids["gpt"], ids["org"], ids["secret"]}
    )


def test_the_index_follows_a_readme_change_at_once(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    api = alice.api(hub)
    commit_files(api, repo_id, {"README.md": card(tags=[f"before-{repo_name}"])})

    commit_files(api, repo_id, {"README.md": card(tags=[f"after-{repo_name}"], license="mit")})

    assert _ids(api.list_models(filter=f"after-{repo_name}")) == [repo_id]
    assert _ids(api.list_models(filter=f"before-{repo_name}")) == []
    assert api.model_info(repo_id).card_data.license == "mit"


def test_the_index_ignores_a_readme_change_on_another_branch(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    api = alice.api(hub)
    api.create_branch(repo_id, branch="dev")

    commit_files(api, repo_id, {"README.md": card(tags=[f"dev-{repo_name}"])}, revision="dev")

    assert _ids(api.list_models(filter=f"dev-{repo_name}")) == []


def test_deleting_the_readme_drops_its_tags_from_the_index(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    api = alice.api(hub)
    commit_files(api, repo_id, {"README.md": card(tags=[f"gone-{repo_name}"])})
    listed = _ids(api.list_models(filter=f"gone-{repo_name}"))

    api.delete_file("README.md", repo_id)

    assert listed == [repo_id]
    assert _ids(api.list_models(filter=f"gone-{repo_name}")) == []


def test_the_index_follows_commits_by_bob_in_the_org(hub, alice, bob, repo_name):
    repo_id = make_repo(hub, alice, repo_name, namespace="acme")

    commit_files(bob.api(hub), repo_id, {"README.md": card(tags=[f"bobs-{repo_name}"])})

    assert _ids(alice.api(hub).list_models(filter=f"bobs-{repo_name}")) == [repo_id]


def test_the_index_follows_a_merged_pull_request_but_not_an_open_one(
    hub, alice, charlie, repo_name
):
    repo_id = make_repo(hub, alice, repo_name)
    tag = f"proposed-{repo_name}"
    pr = commit_files(charlie.api(hub), repo_id, {"README.md": card(tags=[tag])}, create_pr=True)
    while_open = _ids(alice.api(hub).list_models(filter=tag))

    alice.api(hub).merge_pull_request(repo_id, pr.pr_num)

    assert while_open == []
    assert _ids(alice.api(hub).list_models(filter=tag)) == [repo_id]


def test_manage_reindex_rebuilds_the_index_from_git(hub, alice, repo_name):
    repo_id = make_repo(hub, alice, repo_name)
    tag = f"indexed-{repo_name}"
    commit_files(alice.api(hub), repo_id, {"README.md": card(tags=[tag], pipeline_tag="fill-mask")})
    hub.manage(
        "shell",
        "-c",
        "from registry.models import Repo, RepoTag\n"
        f"repos = Repo.objects.filter(name={repo_name!r})\n"
        "RepoTag.objects.filter(repo__in=repos).delete()\n"
        "repos.update(card_data={}, pipeline_tag='')\n",
    )
    lost = _ids(alice.api(hub).list_models(filter=tag))

    result = hub.manage("reindex")

    assert lost == []
    assert "Reindexed" in result.stdout
    assert _ids(alice.api(hub).list_models(filter=tag)) == [repo_id]
    assert _ids(alice.api(hub).list_models(search=repo_name, pipeline_tag="fill-mask")) == [repo_id]


def _downloads(api, repo_id: str) -> int:
    """The repo's download count, as model_info gives it at once (a listing shows the same
    count, and orders by it, within HUB_LIST_CACHE_SECONDS: see the test below)."""
    return api.model_info(repo_id).downloads


def test_head_requests_are_not_downloads_and_one_client_counts_once_in_five_minutes(
    hub, alice, anonymous, repo_name
):
    repo_id = make_repo(hub, alice, repo_name)
    commit_files(alice.api(hub), repo_id, {"config.json": "{}"})
    api = alice.api(hub)
    url = f"/{repo_id}/resolve/main/config.json"

    with wire(hub, anonymous) as client:
        heads = [client.head(url).status_code for _ in range(3)]
        after_heads = _downloads(api, repo_id)
        first = client.get(url)
        after_get = _downloads(api, repo_id)
        again = [client.get(url).status_code for _ in range(2)]

    assert heads == [200, 200, 200]
    assert after_heads == 0
    assert first.status_code == 200 and after_get == 1
    assert again == [200, 200]
    assert _downloads(api, repo_id) == 1


def test_hf_hub_download_of_two_files_counts_one_download(hub, alice, repo_name, tmp_path):
    repo_id = make_repo(hub, alice, repo_name)
    api = alice.api(hub)
    commit_files(api, repo_id, {"config.json": "{}", "weights.txt": "w"})

    for filename in ("config.json", "weights.txt"):
        hf_hub_download(repo_id, filename, endpoint=hub.url, token=alice.token, cache_dir=tmp_path)

    assert _downloads(api, repo_id) == 1


def test_model_info_shows_the_same_downloads_and_likes_as_the_listing(hub, alice, catalog):
    mark, ids = catalog
    api = alice.api(hub)

    info = api.model_info(ids["bert"])
    (listed,) = api.list_models(search=f"{mark}-bert", expand=["downloads", "likes"])

    assert (listed.downloads, listed.likes) == (1, 1)
    assert (info.downloads, info.likes) == (listed.downloads, listed.likes)
