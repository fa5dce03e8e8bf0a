"""Gradio Spaces: the cold start of a small Space (push to RUNNING, the base environment
already built) and the proxy's overhead per request against calling the app directly
through its Unix socket: for a prediction as gradio_client makes it (target: at most 1.5x),
and for the smallest GET, the proxy's worst case (shown, not judged).

    python -m bench.spaces [--rounds 3] [--requests 200] [--smoke]
"""

import os
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
from huggingface_hub import HfApi

from bench.common import live_hub, parser, race, table, verdict
from tests.live import ROOT

TARGET = 1.5
APP = 'import gradio as gr\n\ngr.Interface(lambda x: x[::-1], "text", "text").launch()\n'
_SOCKET = """
from spaces.models import SpaceRuntime
print(SpaceRuntime.objects.get(repo__name={name!r}).socket)
"""


def push(api: HfApi, repo_id: str) -> None:
    api.create_repo(repo_id, repo_type="space", space_sdk="gradio")
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "README.md").write_text("---\nsdk: gradio\n---\n")
        Path(folder, "app.py").write_text(APP)
        api.upload_folder(repo_id=repo_id, repo_type="space", folder_path=folder)


def cold_start(api: HfApi, repo_id: str) -> float:
    started = time.perf_counter()
    push(api, repo_id)
    while (stage := api.get_space_runtime(repo_id).stage) != "RUNNING":
        assert stage in {"BUILDING", "NO_APP_FILE"}, f"{repo_id} is {stage}"
        time.sleep(0.1)
    return time.perf_counter() - started


def requests_timer(client: httpx.Client, url: str, count: int):
    def run(_round: int) -> float:
        started = time.perf_counter()
        for _ in range(count):
            client.get(url).raise_for_status()
        return time.perf_counter() - started

    return run


def predictions_timer(client: httpx.Client, base: str, count: int):
    """A prediction as gradio_client makes it: join the queue, then read the session's
    event stream to the result."""

    def run(round_: int) -> float:
        started = time.perf_counter()
        for n in range(count):
            session = f"bench-{round_}-{n}-{base[-8:]}"
            call = {"data": [f"text {n}"], "fn_index": 0, "session_hash": session,
                    "event_data": None, "trigger_id": None}  # fmt: skip
            client.post(f"{base}/gradio_api/queue/join", json=call).raise_for_status()
            query = {"session_hash": session}
            with client.stream("GET", f"{base}/gradio_api/queue/data", params=query) as events:
                done = next(line for line in events.iter_lines() if "process_completed" in line)
            assert f'"{f"text {n}"[::-1]}"' in done, done
        return time.perf_counter() - started

    return run


def main() -> None:
    cli = parser(__doc__.splitlines()[0])
    cli.add_argument("--requests", type=int, default=200, help="requests per round and side")
    args = cli.parse_args()
    rounds, count = (1, 20) if args.smoke else (args.rounds, args.requests)
    cache = Path(os.environ.get("HUB_DATA_DIR", ROOT / ".test-data")) / "spaces-cache"
    workdir = Path(tempfile.mkdtemp(prefix="bench-spaces-"))
    workdir.chmod(0o711)  # the sandbox's uid binds the Space's files from under it
    with live_hub(workdir, HUB_SPACES_CACHE_DIR=str(cache)) as hub:
        api = HfApi(endpoint=hub.url, token=hub.token)
        cold_start(api, "alice/warmup")  # builds the base environment if this machine has none
        starts = [cold_start(api, f"alice/cold-{n}") for n in range(rounds)]
        # The last one started: beyond HUB_SPACES_MAX_RUNNING the first ones went to sleep.
        last = f"cold-{rounds - 1}"
        printed = hub.manage("shell", "-c", _SOCKET.format(name=last)).stdout
        # The shell may print its own notes around ours.
        socket = next((line for line in printed.splitlines() if line.startswith("/")), printed)
        assert Path(socket).is_socket(), f"no socket at {socket!r}"
        path = "/gradio_api/info"
        with (
            httpx.Client(transport=httpx.HTTPTransport(uds=socket)) as direct,
            httpx.Client() as proxied,
        ):
            app = f"{hub.url}/spaces-apps/alice/{last}"
            baseline, subject = race(
                rounds,
                requests_timer(direct, f"http://app{path}", count),
                requests_timer(proxied, f"{app}{path}", count),
            )
            calls = max(5, count // 4)
            predict_baseline, predict_subject = race(
                rounds,
                predictions_timer(direct, "http://app", calls),
                predictions_timer(proxied, app, calls),
            )
    print(f"cold start of a small Gradio Space: best {min(starts):.2f}s of {rounds}")
    table(
        f"{count} sequential GET {path} (the smallest call: the proxy's worst case)",
        [
            ("direct (Unix socket)", baseline, f"{count / baseline:.0f} req/s"),
            ("through the hub's proxy", subject, f"{count / subject:.0f} req/s"),
        ],
        "rate",
    )
    table(
        f"{calls} predictions as gradio_client makes them (POST the call, read its events)",
        [
            ("direct (Unix socket)", predict_baseline, f"{calls / predict_baseline:.0f} calls/s"),
            ("through the hub's proxy", predict_subject, f"{calls / predict_subject:.0f} calls/s"),
        ],
        "rate",
    )
    small, predictions = subject / baseline, predict_subject / predict_baseline
    print(f"ratio {small:.2f}x direct time per request for GET {path}")
    print(
        f"ratio {predictions:.2f}x direct time per prediction (target <= {TARGET}x): "
        f"{verdict(predictions <= TARGET)}"
    )


if __name__ == "__main__":
    main()
