"""The production processes, run side by side and stopped together: gunicorn's web workers (`make serve`).

Another process (the job worker) is one more entry in `processes()`. When any process ends, the others are
stopped and its exit status is returned; SIGINT/SIGTERM stop them all.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time


def processes(*, bind: str, workers: int) -> dict[str, list[str]]:
    """The commands to run, by name."""
    return {
        "web": [
            sys.executable,
            "-m",
            "gunicorn",
            "newsarchive.wsgi:application",
            f"--bind={bind}",
            f"--workers={workers}",
            "--access-logfile=-",
            # gunicorn 27's control socket is one path per user: two servers on a machine would fight over it.
            "--no-control-socket",
            # More options without editing this file: GUNICORN_CMD_ARGS="--timeout 120" (gunicorn reads it).
        ],
        # The job worker: background imports and the periodic span-cache refresh (more on other machines with
        # `make worker`; they share the queue in PostgreSQL).
        "jobs": [sys.executable, "manage.py", "procrastinate", "worker"],
    }


def run(commands: dict[str, list[str]], *, grace: float = 20.0) -> int:
    """Start every command; when one ends or a stop signal arrives, stop the rest and return the first status."""
    children = {name: subprocess.Popen(command) for name, command in commands.items()}
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = 0
    while not stopping:
        ended = [(name, child.poll()) for name, child in children.items() if child.poll() is not None]
        if ended:
            name, status = ended[0]
            print(f"newsarchive: {name} exited with status {status}; stopping the others", file=sys.stderr)
            break
        time.sleep(0.2)
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown, requests in flight finish
    deadline = time.monotonic() + grace
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bind", default="127.0.0.1:8000")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn web workers (make serve: WEB_CONCURRENCY)")
    args = parser.parse_args(argv)
    return run(processes(bind=args.bind, workers=args.workers))


if __name__ == "__main__":
    sys.exit(main())
