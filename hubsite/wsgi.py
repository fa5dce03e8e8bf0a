import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubsite.settings")
django_application = get_wsgi_application()

from audit.services import flusher_start  # noqa: E402  (needs the settings configured above)
from spaces.app import space_app_fast  # noqa: E402

# Each web process moves its audit spool into the database (and ingests dead processes').
flusher_start()

_SPACE_APPS = "/spaces-apps/"


def application(environ: dict, start_response):
    """Django, with a fast path in front for a Space app's callers the view has just let
    through (spaces/routes.py)."""
    if environ.get("PATH_INFO", "").startswith(_SPACE_APPS):
        relayed = space_app_fast(environ, start_response)
        if relayed is not None:
            return relayed
    return django_application(environ, start_response)
