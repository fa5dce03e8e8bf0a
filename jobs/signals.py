"""What the jobs app tells the apps that start jobs (fine-tunes revoke the token they gave
one): they connect their listeners in their AppConfig.ready()."""

from django.dispatch import Signal

# Sent with `job=` (its row as it ended) by the process whose move to COMPLETED, ERROR or
# CANCELED landed: once per job, whoever ended it (its worker, a cancel, a dead broker).
job_ended = Signal()
