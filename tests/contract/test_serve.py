import random
import re
import signal
import time

import httpx2 as httpx
import psutil
import pytest
from huggingface_hub import HfApi

from tests.live import LiveHub

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def fresh_hub(tmp_path_factory):
    hub = LiveHub(tmp_path_factory.mktemp("fresh-hub")).start()
    yield hub
    hub.close()


def printed_token(hub: LiveHub) -> str:
    match = re.search(r"token:\s+(hf_\w+)", "".join(hub.output))
    assert match, "".join(hub.output)
    return match.group(1)


def test_health_is_green_with_a_real_worker_round_trip(fresh_hub):
    response = httpx.get(f"{fresh_hub.url}/api/health", timeout=30)

    assert response.status_code == 200
    checks = response.json()["checks"]
    assert all(check["ok"] for check in checks.values()), checks
    worker_pid = checks["worker"]["detail"]["pid"]
    serve = psutil.Process(fresh_hub.process.pid)
    assert worker_pid in {child.pid for child in serve.children(recursive=True)}


def test_the_first_start_prints_an_admin_token_that_huggingface_hub_accepts(fresh_hub):
    token = printed_token(fresh_hub)

    info = HfApi(endpoint=fresh_hub.url, token=token).whoami()

    assert info["name"] == "admin"
    assert info["auth"]["accessToken"]["role"] == "write"


def test_a_bad_token_reaches_huggingface_hub_as_an_invalid_token(fresh_hub):
    from huggingface_hub.errors import HfHubHTTPError

    with pytest.raises(HfHubHTTPError, match="Invalid user token"):
        HfApi(endpoint=fresh_hub.url, token="hf_ThisTokenDoesNotExist000000000").whoami()


def test_ctrl_c_stops_the_web_server_and_the_worker(tmp_path):
    hub = LiveHub(tmp_path).start()
    children = psutil.Process(hub.process.pid).children(recursive=True)
    assert len(children) >= 2

    assert hub.stop() == 0

    assert "Minihub stopped." in "".join(hub.output)
    assert not [child for child in children if child.is_running() and child.status() != "zombie"]


def test_ctrl_c_pressed_again_and_again_still_stops_everything(tmp_path):
    """Impatient operators press Ctrl-C more than once: each press must be safe to take."""
    hub = LiveHub(tmp_path).start()
    children = psutil.Process(hub.process.pid).children(recursive=True)

    # Presses for a second, in bursts, so some land while serve handles the ones before.
    deadline = time.monotonic() + 1.0
    while hub.process.poll() is None and time.monotonic() < deadline:
        hub.process.send_signal(signal.SIGINT)
        time.sleep(random.uniform(0, 0.0002))
    code = hub.process.wait(timeout=60)
    hub.stop()

    assert code == 0
    assert not [child for child in children if child.is_running() and child.status() != "zombie"]


def test_a_second_start_does_not_create_or_print_credentials_again(tmp_path):
    hub = LiveHub(tmp_path).start()
    try:
        hub.stop_process()
        hub.output.clear()
        hub.start()

        assert "serving on" in "".join(hub.output)
        assert "token:" not in "".join(hub.output)
    finally:
        hub.stop()
