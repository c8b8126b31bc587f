# The Translation Workbench image: one image for every service of deploy/compose.yaml
# (migrate, dashboards, worker); the command chooses the role. No secret is baked in:
# everything comes from the environment at run time (see deploy/.env.example).
#
#   docker build -t translation-workbench .
#   docker run --env-file deploy/.env -p 8866:8866 translation-workbench

# --- build: the wheel, with the dashboards and migrations inside it ------------------------
FROM python:3.11-slim AS build

WORKDIR /src
# The build backend comes from the lock too (hashes checked), not from a fresh resolve.
COPY requirements/run.txt ./requirements/run.txt
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements/run.txt
COPY pyproject.toml README.md ./
COPY workbench ./workbench
COPY alembic ./alembic
COPY notebooks ./notebooks
RUN pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /wheels .

# --- run --------------------------------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WORKBENCH_ENV=production \
    WORKBENCH_DATA_DIR=/data

RUN groupadd --system --gid 10001 workbench \
    && useradd --system --uid 10001 --gid workbench --create-home --home-dir /home/workbench \
       --shell /usr/sbin/nologin workbench \
    && mkdir /data \
    && chown workbench:workbench /data

# Exactly the versions CI tested: the lock, every file checked against its hash.
COPY requirements/run.txt /tmp/run.txt
COPY --from=build /wheels /wheels
RUN pip install --require-hashes --no-deps -r /tmp/run.txt \
    && pip install --no-deps /wheels/*.whl && rm -rf /wheels /tmp/run.txt

USER workbench
WORKDIR /home/workbench
# Uploads, exports and translated files: shared by the dashboards and every worker.
VOLUME ["/data"]
EXPOSE 8866

# Healthy when the database answers and its schema is the latest (exit 2 otherwise).
HEALTHCHECK --interval=30s --timeout=15s --start-period=30s --retries=3 \
    CMD ["workbench", "healthcheck"]

# The dashboards; the job worker runs as its own service (`workbench worker`).
CMD ["workbench", "serve", "--host", "0.0.0.0", "--no-worker"]
