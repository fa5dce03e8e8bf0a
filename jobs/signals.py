"""What the jobs app tells the apps that start jobs (fine-tunes revoke the token they gave
one, and sweep for tokens of jobs that ended unheard): they connect their listeners in
their AppConfig.ready()."""

from django.dispatch import Signal

# Sent with `job=` (its row as it ended) by the process whose move to COMPLETED, ERROR or
# CANCELED landed: once per job, whoever ended it (its worker, a cancel, a dead broker).
job_ended = Signal()

# Sent (no arguments) once a jobs worker made the rows agree with what runs: at its start
# and every sweep round (jobs.schedule). Listeners clean up after jobs that ended without
# `job_ended` reaching them: a hub that died before it recorded an end, a row changed by hand.
jobs_reconciled = Signal()
