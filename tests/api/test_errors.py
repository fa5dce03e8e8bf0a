def test_an_unknown_route_is_a_json_404_with_error_headers(client, db):
    response = client.get("/api/does-not-exist")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response["X-Error-Code"] == "NotFound"
    assert "does-not-exist" in response["X-Error-Message"]
    assert response.json()["error"] == response["X-Error-Message"]
    assert response["X-Request-Id"]


def test_a_wrong_method_is_a_405_with_error_headers(client, db):
    response = client.delete("/api/whoami-v2")

    assert response.status_code == 405
    assert response["X-Error-Code"] == "MethodNotAllowed"


def test_api_posts_need_no_csrf_token(client, db):
    # Clients send no cookies: CSRF must not get in the way of token or anonymous calls.
    response = client.post("/api/whoami-v2", headers={"Authorization": "Bearer hf_unknown"})

    assert response.status_code == 401
