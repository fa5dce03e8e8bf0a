import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from hubsite.env import env_bool, env_dir, env_int, env_url, secret_key

ROOT = Path(__file__).resolve().parent.parent


def run_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "HUB_DATA_DIR": str(tmp_path / "data"), **env}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HUB_DEBUG", "maybe"),
        ("HUB_DATABASE_URL", "mysql://root@localhost/hub"),
        ("HUB_BROKER_URL", "kafka://localhost"),
        ("HUB_PUBLIC_URL", "hub.example.com"),
        ("HUB_WEB_WORKERS", "two"),
        ("HUB_SECRET_KEY", "short"),
        ("HUB_SECRETS_KEYS", "a-key-of-at-least-32-characters-long,short"),
        ("HUB_LOG_LEVEL", "LOUD"),
    ],
)
def test_a_bad_setting_stops_the_hub_naming_the_variable(tmp_path, variable, value):
    result = run_check(tmp_path, **{variable: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_a_data_dir_that_is_a_file_is_refused(tmp_path, monkeypatch):
    occupied = tmp_path / "occupied"
    occupied.write_text("")
    monkeypatch.setenv("HUB_DATA_DIR", str(occupied))

    with pytest.raises(ImproperlyConfigured, match="HUB_DATA_DIR"):
        env_dir("HUB_DATA_DIR", tmp_path)


def test_boolean_and_integer_settings_parse_their_usual_spellings(monkeypatch):
    monkeypatch.setenv("HUB_X", "Yes")
    monkeypatch.setenv("HUB_N", "4")
    monkeypatch.setenv("HUB_URL", "https://hub.example.com/")

    assert env_bool("HUB_X", False) is True
    assert env_int("HUB_N", 1) == 4
    assert env_url("HUB_URL", None, schemes={"https"}) == "https://hub.example.com"


def test_a_fresh_data_dir_gets_its_own_secret_key_once(tmp_path, monkeypatch):
    monkeypatch.delenv("HUB_SECRET_KEY", raising=False)

    first = secret_key("HUB_SECRET_KEY", debug=False, data_dir=tmp_path)
    second = secret_key("HUB_SECRET_KEY", debug=False, data_dir=tmp_path)
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other = secret_key("HUB_SECRET_KEY", debug=False, data_dir=other_dir)

    assert first == second
    assert len(first) >= 50
    assert other != first
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_a_short_secret_key_is_accepted_only_in_debug(monkeypatch, tmp_path):
    monkeypatch.setenv("HUB_SECRET_KEY", "dev")

    assert secret_key("HUB_SECRET_KEY", debug=True, data_dir=tmp_path) == "dev"
    with pytest.raises(ImproperlyConfigured, match="HUB_SECRET_KEY"):
        secret_key("HUB_SECRET_KEY", debug=False, data_dir=tmp_path)


def test_env_example_lists_every_setting_the_hub_reads():
    read = set(re.findall(r'"(HUB_[A-Z0-9_]+)"', (ROOT / "hubsite" / "settings.py").read_text()))
    listed = set(re.findall(r"^#?\s*(HUB_[A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))

    assert read - listed == set()
