# One image for the web processes and the Celery workers (see docker-compose.yml).
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends git git-lfs curl bubblewrap \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
COPY hubsite ./hubsite
COPY registry ./registry
COPY workers ./workers
COPY inference ./inference
COPY evaluation ./evaluation
COPY xetstore ./xetstore
COPY repocollections ./repocollections
COPY webhooks ./webhooks
COPY sandbox ./sandbox
COPY spaces ./spaces
COPY jobs ./jobs
COPY finetune ./finetune
COPY viewer ./viewer
COPY templates ./templates
COPY docs ./docs
COPY manage.py ./
# torch for the inference and evaluation workers. On CPU-only hosts, point pip at PyTorch's
# CPU wheel index (build argument PIP_EXTRA_INDEX_URL) to skip the CUDA build.
ARG PIP_EXTRA_INDEX_URL=
RUN pip install --no-cache-dir torch==2.13.0 && pip install --no-cache-dir '.[inference,evaluation]'

ENV HUB_DATA_DIR=/data PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 8000
CMD ["gunicorn", "hubsite.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "2", "--threads", "8", "--timeout", "600"]
