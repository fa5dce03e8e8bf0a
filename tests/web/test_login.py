def test_a_user_signs_in_with_a_password_and_the_page_greets_them(client, alice):
    page = client.get("/login")
    assert page.status_code == 200
    assert b'name="username"' in page.content

    response = client.post(
        "/login", {"username": "alice", "password": "correct horse battery"}, follow=True
    )

    assert response.status_code == 200
    assert b"alice" in response.content
    assert b"Sign out" in response.content


def test_a_wrong_password_keeps_the_user_out(client, alice):
    response = client.post("/login", {"username": "alice", "password": "wrong"})

    assert response.status_code == 200
    assert b"Sign out" not in response.content
