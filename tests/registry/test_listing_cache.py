from registry.gitstore.cache import ListingCache


def test_a_listing_is_built_once_and_handed_out_as_a_copy():
    cache, builds = ListingCache(max_entries=10), []

    def build():
        builds.append(1)
        return ["a", "b"]

    first = cache.get_or_build(("repo", "sha"), build)
    first.append("mutated")

    assert cache.get_or_build(("repo", "sha"), build) == ["a", "b"]
    assert len(builds) == 1


def test_the_oldest_listings_go_when_the_entry_budget_is_spent():
    cache = ListingCache(max_entries=5)
    cache.get_or_build(("old",), lambda: [1, 2, 3])
    cache.get_or_build(("new",), lambda: [4, 5, 6])

    rebuilt = []
    cache.get_or_build(("old",), lambda: rebuilt.append(1) or [1, 2, 3])
    assert rebuilt == [1]


def test_a_listing_bigger_than_the_budget_is_served_but_not_kept():
    cache, builds = ListingCache(max_entries=2), []
    for _ in range(2):
        cache.get_or_build(("huge",), lambda: builds.append(1) or [1, 2, 3])

    assert len(builds) == 2
