# One image for the web processes and the Celery workers (see docker-compose.yml).
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends git git-lfs curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
COPY hubsite ./hubsite
COPY registry ./registry
COPY workers ./workers
COPY templates ./templates
COPY manage.py ./
RUN pip install --no-cache-dir .

ENV HUB_DATA_DIR=/data PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 8000
CMD ["gunicorn", "hubsite.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "2", "--threads", "8", "--timeout", "600"]
