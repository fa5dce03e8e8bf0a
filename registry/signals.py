"""What the core tells the apps built on it. The core never imports an app: evaluation,
inference and the rest connect their listeners here in their AppConfig.ready()."""

from django.dispatch import Signal

# Sent with `repo=` once a repo's main branch moved and its row shows the new head (a push
# sends it after git's client has its answer).
repo_main_moved = Signal()
