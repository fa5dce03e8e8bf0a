"""kombu's filesystem transport, with messages that appear whole.

kombu writes a message into its final file name, so a polling worker can take the file
while it is still empty and die on the parse ("Unrecoverable error: JSONDecodeError").
Here each message is written to a hidden temporary name and renamed into the queue folder,
which is atomic: a worker sees a complete message or none.
"""

import os
import tempfile
import uuid
from pathlib import Path
from time import monotonic

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

ALIAS = "minihubfs"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        fd, temporary = tempfile.mkstemp(prefix=".incoming-", dir=self.data_folder_out)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise filesystem.ChannelError(f"Cannot add {name!r} to the queue folder") from exc


class Transport(filesystem.Transport):
    Channel = Channel


TRANSPORT_ALIASES[ALIAS] = "workers.transport:Transport"
