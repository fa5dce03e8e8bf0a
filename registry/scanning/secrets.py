"""Committed secrets in text files, found by detect-secrets' named detectors.

The entropy detectors are left out: model repos are full of hashes and base64 blobs, and a
warning that fires on every config.json is one nobody reads.
"""

import tempfile

MAX_TEXT_BYTES = 1 << 20


def text_secrets(data: bytes) -> list[dict]:
    """`[{"type", "line"}]` for each secret found in `data`."""
    # Imported here: detect-secrets loads its plugins at import, which no web request needs.
    from detect_secrets.core.scan import scan_file
    from detect_secrets.settings import default_settings

    # detect-secrets scans files by name: the text goes through a private temporary copy.
    with tempfile.NamedTemporaryFile() as copy:
        copy.write(data)
        copy.flush()
        with default_settings():
            found = list(scan_file(copy.name))
    return [
        {"type": secret.type, "line": secret.line_number}
        for secret in found
        if "High Entropy" not in secret.type
    ]
