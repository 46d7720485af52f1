"""The background job queue: Huey, configured from the app, with tocapp's tasks registered on it.

``JOBS_QUEUE`` chooses where queued jobs wait:

- ``sqlite`` (the default): a SQLite file in the instance folder (``JOBS_SQLITE_PATH``); run
  ``flask --app tocapp jobs worker`` beside the web server (``scripts/start.sh`` does).
- ``redis``: a Redis server at ``JOBS_REDIS_URL``, for larger deployments (needs the ``redis``
  package: ``pip install 'tocapp[redis]'``).
- ``immediate``: no queue; a job runs inside the request that asks for it (the tests use this).

The Huey instance is made on first use, so merely creating the app touches no queue file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab  # type: ignore[import-untyped]
from huey.signals import SIGNAL_INTERRUPTED  # type: ignore[import-untyped]

QUEUES = ("sqlite", "redis", "immediate")
EXTENSION = "tocapp.jobs"


class JobQueueConfigError(RuntimeError):
    """The configuration names a queue tocapp cannot use; the message says how to fix it."""


@dataclass
class JobQueue:
    """The app's queue and its tasks. ``enqueue_report(job_id)`` asks for a report to be built."""

    app: Flask
    _build_report: Any = field(default=None, init=False, repr=False)

    @functools.cached_property
    def huey(self) -> Huey:
        huey = _make_huey(self.app.config)
        app = self.app

        from tocapp.extensions import db
        from tocapp.services import report_jobs

        @huey.task(name="tocapp.build_report")
        def build_report(job_id: int) -> None:
            # Charts in big exports are drawn as the web pages draw them (render cache, limits).
            from tocapp.render import text_fit
            from tocapp.render.render_cache import stamp_noted
            from tocapp.web.chart_images import draw

            try:
                with (
                    app.app_context(),
                    # A chart drawn from what the job read is not kept if a withdrawal empties
                    # the cache meanwhile (the job itself is withdrawn).
                    stamp_noted(app.config["RENDER_CACHE_DIR"]),
                ):
                    report_jobs.run_report_job(
                        db.engine, job_id, reports_dir=app.config["REPORTS_DIR"], draw=draw
                    )
            finally:
                text_fit.forget()  # no one's words kept in memory after the job

        @huey.signal(SIGNAL_INTERRUPTED)
        def interrupted(_signal: str, task: Any, *_args: Any, **_kwargs: Any) -> None:
            """The worker was stopped mid-build: the job's page offers to try again."""
            if isinstance(task, build_report.task_class):
                with app.app_context():
                    report_jobs.mark_interrupted(db.engine, task.args[0])

        @huey.periodic_task(crontab(minute="7"), name="tocapp.prune_reports")
        def _prune_reports() -> None:
            """Every hour: forget expired reports and delete their files, in every study."""
            with app.app_context():
                report_jobs.prune_old_jobs(
                    db.session,
                    None,
                    reports_dir=app.config["REPORTS_DIR"],
                    keep_days=app.config["REPORT_JOBS_KEEP_DAYS"],
                )
                db.session.commit()

        self._build_report = build_report
        return huey

    @property
    def immediate(self) -> bool:
        return self.app.config["JOBS_QUEUE"] == "immediate"

    def enqueue_report(self, job_id: int) -> None:
        self.huey  # noqa: B018  (registers the task on first use)
        self._build_report(job_id)

    def consumer(self, workers: int = 1) -> Any:
        """A Huey consumer with thread workers, each running jobs inside this app."""
        if self.immediate:
            raise JobQueueConfigError(
                "JOBS_QUEUE is 'immediate': jobs run inside the web request, so there is no "
                "worker to start. Set TOCAPP_JOBS_QUEUE=sqlite (or redis) to use one."
            )
        # An idle worker checks the queue at least every second, so a report starts promptly.
        return self.huey.create_consumer(workers=workers, worker_type="thread", max_delay=1.0)


def init_jobs(app: Flask) -> None:
    """Check the queue settings now, so a typo fails at start-up rather than at the first report."""
    queue = app.config["JOBS_QUEUE"]
    if queue not in QUEUES:
        raise JobQueueConfigError(
            f"JOBS_QUEUE is {queue!r}; use one of: {', '.join(QUEUES)} (see README, Configuration)."
        )
    if queue == "redis" and not app.config.get("JOBS_REDIS_URL"):
        raise JobQueueConfigError("JOBS_QUEUE is 'redis' but JOBS_REDIS_URL is not set.")
    app.extensions[EXTENSION] = JobQueue(app)


def job_queue(app: Flask | None = None) -> JobQueue:
    queue: JobQueue = (app or current_app).extensions[EXTENSION]
    return queue


def _make_huey(config: dict[str, Any]) -> Huey:
    name = "tocapp"
    match config["JOBS_QUEUE"]:
        case "immediate":
            return MemoryHuey(name, immediate=True)
        case "sqlite":
            return SqliteHuey(name, filename=config["JOBS_SQLITE_PATH"])
        case "redis":
            try:
                import redis  # type: ignore[import-untyped,import-not-found]  # noqa: F401
            except ImportError as error:
                raise JobQueueConfigError(
                    "JOBS_QUEUE is 'redis' but the redis package is not installed: "
                    "pip install 'tocapp[redis]'."
                ) from error
            return RedisHuey(name, url=config["JOBS_REDIS_URL"])
    raise JobQueueConfigError(f"unknown JOBS_QUEUE {config['JOBS_QUEUE']!r}")
