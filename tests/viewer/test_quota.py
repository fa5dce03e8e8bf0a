"""The viewer's Parquet shards are the hub's own files: a namespace's storage quota
(registry/services/limits.py) counts what its users upload, not what the hub derives."""

import pytest

from registry import errors
from registry.models import LfsObject
from registry.services.commits import lfs_link
from registry.services.limits import namespace_storage_used, storage_quota_check
from tests.viewer.factories import make_converted

pytestmark = pytest.mark.django_db


@pytest.fixture
def shards(alice) -> list[LfsObject]:
    conversion = make_converted(alice, "reviews")
    return list(LfsObject.objects.filter(repo=conversion.repo))


def test_converted_shards_do_not_count_against_the_namespace_quota(alice, shards, settings):
    settings.HUB_STORAGE_QUOTA_BYTES = 1000

    assert len(shards) == 2 and all(s.size > 0 for s in shards)
    assert namespace_storage_used(namespace=alice.namespace) == 0
    storage_quota_check(namespace=alice.namespace, objects=[("a" * 64, 1000)])


def test_the_same_bytes_uploaded_by_the_owner_count_again(alice, shards, settings):
    shard = shards[0]
    settings.HUB_STORAGE_QUOTA_BYTES = shard.size - 1

    with pytest.raises(errors.StorageQuotaExceeded):
        storage_quota_check(namespace=alice.namespace, objects=[(shard.oid, shard.size)])
    lfs_link(repo=shard.repo, oid=shard.oid, size=shard.size)

    assert namespace_storage_used(namespace=alice.namespace) == shard.size
