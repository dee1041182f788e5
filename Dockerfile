# The bot's image: one image, three processes (see Procfile and compose.yaml).
#   release: ccpl-bot db upgrade   web: ccpl-bot serve   clock: ccpl-bot scheduler

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/ccpl
# The locked dependencies first, each checked against its hash, so code changes
# reuse this layer.
COPY requirements.lock /tmp/requirements.lock
RUN /opt/ccpl/bin/pip install --require-hashes -r /tmp/requirements.lock
COPY pyproject.toml README.md /src/
COPY bot /src/bot
COPY handlers /src/handlers
COPY content /src/content
COPY storage /src/storage
RUN /opt/ccpl/bin/pip install --no-deps /src

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /app --create-home ccpl
COPY --from=build /opt/ccpl /opt/ccpl
COPY Procfile /app/Procfile
ENV PATH=/opt/ccpl/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=3000 \
    CCPL_LOG_FORMAT=json
WORKDIR /app
USER ccpl
EXPOSE 3000
# The web process answers /healthz (503 when the database does not answer); the clock
# process has no port, so compose.yaml turns this check off for it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)" || exit 1
# SIGTERM stops cleanly: requests in flight are answered, unsent posts given back.
STOPSIGNAL SIGTERM
CMD ["ccpl-bot", "serve"]
