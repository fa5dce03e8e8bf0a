import sys

from django.core.management.base import BaseCommand, CommandParser

from audit.selectors import EventFilter, day_or_time, events_filtered, events_jsonl
from audit.services import spool_flush


class Command(BaseCommand):
    help = (
        "Print the audit log as JSON Lines, oldest first: every event, or those of --org, "
        "from --since to --until (days YYYY-MM-DD, inclusive, or ISO date-times; UTC)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", default="")
        parser.add_argument("--until", default="")
        parser.add_argument("--org", default="", help="an organization's (or user's) events")

    def handle(self, *args, since: str, until: str, org: str, **options) -> None:
        # Spools of processes that died are the log's too: ingest them before reading.
        spool_flush()
        spec = EventFilter(
            namespace=org, since=day_or_time(since), until=day_or_time(until, end=True)
        )
        for line in events_jsonl(events_filtered(spec)):
            sys.stdout.buffer.write(line)
        sys.stdout.buffer.flush()
