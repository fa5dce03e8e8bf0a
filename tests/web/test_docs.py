def test_the_docs_index_lists_the_guides(client, db):
    page = client.get("/docs").content.decode()

    assert 'href="/docs/clients"' in page and 'href="/docs/api"' in page


def test_the_client_guide_is_rendered_from_markdown(client, db):
    page = client.get("/docs/clients").content.decode()

    assert "<h1>Using the clients with Minihub</h1>" in page
    assert "HF_ENDPOINT" in page


def test_a_missing_guide_is_404(client, db):
    assert client.get("/docs/nope").status_code == 404


def test_the_openapi_document_is_built_from_the_api_routes(client, db):
    spec = client.get("/api/openapi.json").json()

    assert spec["openapi"].startswith("3.")
    commit = spec["paths"]["/api/{repo_type}/{namespace}/{name}/commit/{rev}"]
    assert list(commit) == ["post"]
    assert "get" in spec["paths"]["/api/whoami-v2"]
    assert "post" in spec["paths"]["/{prefix}/{namespace}/{name}/info/lfs/objects/batch"]
    health = spec["paths"]["/api/health"]["get"]
    assert health["summary"].startswith("Database, broker, a real worker round trip")
    assert not any(path.startswith("/docs") for path in spec["paths"])


def test_the_api_reference_page_lists_endpoints(client, db):
    page = client.get("/docs/api").content.decode()

    assert "/api/{repo_type}/{namespace}/{name}/tree/{rest}" in page


def test_each_guide_shows_this_hubs_address_and_has_a_title_of_its_own(client, db):
    page = client.get("/docs/clients", HTTP_HOST="hub.internal:9443").content.decode()

    assert "<title>Using the clients with Minihub · Minihub docs</title>" in page
    assert "http://hub.internal:9443/alice/tiny-bert" in page
    assert "127.0.0.1:8000" not in page and "hub.example:8000" not in page
