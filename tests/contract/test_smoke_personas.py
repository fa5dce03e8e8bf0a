def test_each_persona_is_who_their_token_says(hub, alice, bob, charlie):
    assert alice.api(hub).whoami()["name"] == "alice"
    assert [org["name"] for org in bob.api(hub).whoami()["orgs"]] == ["acme"]
    assert charlie.api(hub, read_only=True).whoami()["auth"]["accessToken"]["role"] == "read"
