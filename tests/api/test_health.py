import pytest

from registry.blobs import blob_store


@pytest.fixture
def no_worker(settings):
    """Nothing consumes the broker in this process, so a round trip cannot complete."""
    settings.HUB_HEALTH_TIMEOUT = 1


def test_health_is_503_and_names_the_worker_when_no_worker_answers(client, db, no_worker):
    response = client.get("/api/health")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] and checks["broker"]["ok"] and checks["storage"]["ok"]
    assert checks["worker"]["ok"] is False
    assert "Timeout" in checks["worker"]["error"]


def test_health_is_503_when_storage_cannot_be_written(client, db, no_worker, settings, tmp_path):
    blocker = tmp_path / "blobs"
    blocker.write_text("a file where the blob directory should be")
    settings.HUB_BLOBS_DIR = blocker
    blob_store.cache_clear()
    try:
        response = client.get("/api/health")
    finally:
        blob_store.cache_clear()

    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False
