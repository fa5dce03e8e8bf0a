"""Chat through /v1/chat/completions, streamed, against the same model generating in-process.

Pushes a GPT-2-shaped causal LM with random weights (hidden 768, 12 layers by default) and a
small trained tokenizer with a chat template, warms both worker processes, then measures in
the same run, taking turns with the same conversation, greedy, on as many torch threads as
one worker process uses (HUB_INFERENCE_THREADS, 1):
  - time to first token: the first streamed text of the hub's answer (the `openai` SDK, from
    the call) against the first token of `model.generate` in this process (from the call,
    the chat template applied inside the timing on both sides); ratio local / hub,
    target >= 0.7x;
  - tokens per second: completion tokens over the whole streamed answer, against `generate`
    here; ratio hub / local, target >= 0.7x.
Best of --rounds for each. Run it on PostgreSQL + Redis as production does:

    HUB_DATABASE_URL=postgres://postgres@127.0.0.1:5432/minihub \\
    HUB_BROKER_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m bench.chat [--smoke]
"""

import os

os.environ.update(HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_PROGRESS_BARS="1",
                  HF_HUB_DISABLE_XET="1")  # fmt: skip

import copy  # noqa: E402
import math  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import openai  # noqa: E402
import torch  # noqa: E402
from huggingface_hub import HfApi  # noqa: E402
from transformers import (  # noqa: E402
    AutoModelForCausalLM,
    AutoTokenizer,
    GPT2Config,
    GPT2LMHeadModel,
    StoppingCriteria,
    StoppingCriteriaList,
)

from bench.common import live_hub, parser, verdict  # noqa: E402
from tests.inference.tiny import CHAT_TEMPLATE, LINES, chat_tokenizer  # noqa: E402
from tests.live import wait_until  # noqa: E402

WORKERS = 2  # the worker processes `manage.py serve` starts (HUB_WORKER_CONCURRENCY)
TARGET = 0.7
MESSAGES = [
    {"role": "system", "content": " ".join(LINES)},
    {"role": "user", "content": " ".join(reversed(LINES)) + " where do i live?"},
]


def make_model(folder: Path, hidden: int, layers: int) -> Path:
    tokenizer = copy.deepcopy(chat_tokenizer())
    tokenizer.chat_template = CHAT_TEMPLATE
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(tokenizer), n_embd=hidden, n_layer=layers,
                        n_head=max(2, hidden // 64), n_positions=1024, bos_token_id=0,
                        eos_token_id=0, pad_token_id=1)  # fmt: skip
    GPT2LMHeadModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / "README.md").write_text("---\npipeline_tag: text-generation\n---\n")
    return folder


class FirstToken(StoppingCriteria):
    """Notes when generate has its first new token (called after each token)."""

    def __init__(self):
        self.at = None

    def __call__(self, input_ids, scores, **kwargs) -> torch.BoolTensor:
        self.at = self.at or time.perf_counter()
        return torch.zeros(input_ids.shape[0], dtype=torch.bool)


def local_run(model, tokenizer, tokens: int) -> tuple[float, float]:
    """(seconds to the first token, tokens per second) of greedy `generate` here."""
    first = FirstToken()
    started = time.perf_counter()
    inputs = tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True,
                                           return_tensors="pt", return_dict=True)  # fmt: skip
    with torch.inference_mode():
        out = model.generate(**inputs, do_sample=False, max_new_tokens=tokens,
                             stopping_criteria=StoppingCriteriaList([first]))  # fmt: skip
    elapsed = time.perf_counter() - started
    generated = out.shape[1] - inputs["input_ids"].shape[1]
    return first.at - started, generated / elapsed


def hub_run(client: openai.OpenAI, repo_id: str, tokens: int) -> tuple[float, float]:
    """(seconds to the first streamed text, tokens per second) of the hub's answer."""
    started, first, usage = time.perf_counter(), None, None
    stream = client.chat.completions.create(
        model=repo_id, messages=MESSAGES, max_tokens=tokens, temperature=0, stream=True,
        stream_options={"include_usage": True},
    )  # fmt: skip
    for chunk in stream:
        if first is None and chunk.choices and chunk.choices[0].delta.content:
            first = time.perf_counter()
        usage = chunk.usage or usage
    elapsed = time.perf_counter() - started
    return first - started, usage.completion_tokens / elapsed


def warm(hub, client: openai.OpenAI, repo_id: str) -> bool:
    """Sends concurrent requests; true once every worker process has loaded the model."""
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(lambda _: hub_run(client, repo_id, 2), range(WORKERS)))
    return "".join(hub.output).count(f"loaded {repo_id}@") >= WORKERS


def main() -> None:
    arguments = parser(__doc__.splitlines()[0])
    arguments.add_argument("--hidden", type=int, default=768, help="the model's hidden size")
    arguments.add_argument("--layers", type=int, default=12, help="the model's layers")
    arguments.add_argument("--tokens", type=int, default=64, help="new tokens per answer")
    options = arguments.parse_args()
    if options.smoke:
        options.hidden, options.layers, options.tokens, options.rounds = 32, 2, 8, 1
    with (
        tempfile.TemporaryDirectory() as workdir,
        live_hub(Path(workdir), HUB_INFERENCE_RATE_LIMIT_PER_MINUTE="0") as hub,
    ):
        folder = make_model(Path(workdir) / "model", options.hidden, options.layers)
        api = HfApi(endpoint=hub.url, token=hub.token)
        repo_id = api.create_repo("alice/bench-chat").repo_id
        api.upload_folder(folder_path=folder, repo_id=repo_id)
        # The same model as the workers run, on as many torch threads as each of them.
        torch.set_num_threads(int(os.environ.get("HUB_INFERENCE_THREADS", "1")))
        model = AutoModelForCausalLM.from_pretrained(folder).eval()
        tokenizer = AutoTokenizer.from_pretrained(folder)
        client = openai.OpenAI(base_url=f"{hub.url}/v1", api_key=hub.token, max_retries=0)
        wait_until(lambda: warm(hub, client, repo_id), timeout=300,
                   message="every worker to load")  # fmt: skip
        local_run(model, tokenizer, 2)
        sides = {"local": lambda: local_run(model, tokenizer, options.tokens),
                 "hub": lambda: hub_run(client, repo_id, options.tokens)}  # fmt: skip
        best = {"local": [math.inf, 0.0], "hub": [math.inf, 0.0]}
        for _ in range(options.rounds):
            for side, run in sides.items():  # taking turns: load drifts hit both alike
                first, rate = run()
                best[side] = [min(best[side][0], first), max(best[side][1], rate)]
    (local_first, local_rate), (hub_first, hub_rate) = best["local"], best["hub"]
    prompt = len(tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True)["input_ids"])
    print(f"chat, GPT-2 hidden {options.hidden} x {options.layers} layers, prompt {prompt} "
          f"tokens, {options.tokens} new tokens, best of {options.rounds} "
          f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f})")  # fmt: skip
    print(f"  time to first token: local {local_first * 1000:.1f} ms, "
          f"hub {hub_first * 1000:.1f} ms")  # fmt: skip
    print(f"  tokens per second: local {local_rate:.1f}/s, hub {hub_rate:.1f}/s")
    first_ratio, rate_ratio = local_first / hub_first, hub_rate / local_rate
    print(f"ratio {first_ratio:.2f}x local time to first token (target >= {TARGET}x): "
          f"{verdict(first_ratio >= TARGET)}")  # fmt: skip
    print(f"ratio {rate_ratio:.2f}x local tokens per second (target >= {TARGET}x): "
          f"{verdict(rate_ratio >= TARGET)}")  # fmt: skip


if __name__ == "__main__":
    main()
