# The okr-ledger image: the API (`okr serve`) or a projection worker (`okr project`).
FROM python:3.12-slim
COPY --from=ghcr.io/astral-sh/uv:0.9 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project
COPY domain domain
COPY projections projections
COPY api api
RUN uv sync --locked --no-dev
ENV PATH="/app/.venv/bin:$PATH"
# Run alone (no OKR_DATABASE_URL), the image keeps its SQLite file where its user may write.
RUN mkdir /data && chown nobody /data
ENV OKR_DATABASE_URL=sqlite:////data/okr.db
VOLUME /data
USER nobody
EXPOSE 8000
CMD ["okr", "serve", "--host", "0.0.0.0", "--port", "8000"]
