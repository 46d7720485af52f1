"""gunicorn's settings for tocapp: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Each can be changed from the environment without editing this file.
"""

import os

# Where to listen: behind nginx, Caddy or Apache terminating HTTPS, on loopback.
bind = os.environ.get("TOCAPP_BIND", "127.0.0.1:8000")
# Processes, each handling one request at a time: two per core is gunicorn's advice.
workers = int(os.environ.get("TOCAPP_WORKERS", str(2 * (os.cpu_count() or 1))))
# A page or a small document built in the request may take a while; big reports go to the worker.
timeout = int(os.environ.get("TOCAPP_TIMEOUT", "120"))
graceful_timeout = 30
# Each worker is replaced after about a thousand requests, so memory a long run has gathered
# (WeasyPrint, matplotlib) is given back.
max_requests = 1000
max_requests_jitter = 100
accesslog = "-"
errorlog = "-"


def post_worker_init(worker: object) -> None:
    """Once a worker has loaded the app, move everything it holds into the permanent generation:
    the garbage collector's full passes then walk only what requests make, not the whole of
    Flask, SQLAlchemy and the templates again and again."""
    import gc

    gc.collect()
    gc.freeze()
