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

# Applies migrations on start, then polls Telegram (TELEGRAM_BOT_TOKEN must be set;
# without it the container runs the sandbox on 127.0.0.1 only).
CMD ["python", "-m", "bot"]
