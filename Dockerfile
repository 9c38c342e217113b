# doithoai: the commune dialogue bot. Build: docker build -t doithoai .
# Run: docker run -e TELEGRAM_BOT_TOKEN=... -v doithoai-data:/data doithoai
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/doithoai.sqlite3

WORKDIR /app
COPY pyproject.toml babel.cfg ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
COPY config ./config

# Install, then compile the catalogs at build time (the .po files are the source).
RUN pip install --no-cache-dir . \
    && pybabel compile -d locales -D messages \
    && useradd --system --uid 10001 --home-dir /app doithoai \
    && mkdir -p /data && chown doithoai /data

USER doithoai
VOLUME ["/data"]

# The web server (webhook, /healthz, /board/<commune id>) listens on all interfaces inside the
# container; publish it only to the reverse proxy (e.g. -p 127.0.0.1:8090:8090).
ENV LISTEN_HOST=0.0.0.0 \
    LISTEN_PORT=8090 \
    BACKUP_DIR=/data/backups
EXPOSE 8090

# 200 when the database answers and writes and Telegram answered recently; 503 with the reason
# otherwise. Python's urllib, as the slim image has no curl.
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('LISTEN_PORT', '8090'), timeout=8).status == 200 else 1)"]

# Backs up, then applies migrations on start; polls Telegram, or receives its webhook when
# TELEGRAM_WEBHOOK_URL is set (TELEGRAM_BOT_TOKEN must be set; without it the container runs the
# sandbox on 127.0.0.1 only).
CMD ["python", "-m", "bot"]
