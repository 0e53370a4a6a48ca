"""Start the Python service: uvicorn with WORKERS processes serving ``app.main:app``.

Environment (services/CONTRACT.md, section 1): HOST (default 127.0.0.1), PORT (required), WORKERS
(default 1), plus the variables read by ``app/config.py``. Works from any working directory (the
python-rust service starts it from services/python-rust): this file's directory is put on the
import path. uvicorn handles SIGTERM/SIGINT: it stops accepting, lets in-flight requests finish
(at most ``timeout_graceful_shutdown`` seconds) and runs the app's lifespan shutdown; the process
then exits 0.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import uvicorn  # noqa: E402

from app.config import ConfigError, load_settings  # noqa: E402


def _exit_zero(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def main() -> int:
    host = os.environ.get("HOST") or "127.0.0.1"
    port_text = os.environ.get("PORT", "")
    if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
        print(f"python service: PORT must be a TCP port, got {port_text!r}", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"python service: {exc}", file=sys.stderr)
        return 2
    print(
        f"python service: http://{host}:{port_text} workers={settings.workers} "
        f"process_backend={settings.process_backend} pid={os.getpid()}",
        file=sys.stderr,
        flush=True,
    )
    # uvicorn drains on SIGTERM/SIGINT, then restores the handlers it found and raises the signal
    # again, so that by default the process dies of it (status 143 or a KeyboardInterrupt). The
    # contract wants exit status 0 after a graceful stop: these handlers make it a normal exit.
    signal.signal(signal.SIGTERM, _exit_zero)
    signal.signal(signal.SIGINT, _exit_zero)
    uvicorn.run(
        "app.main:app",
        host=host,
        port=int(port_text),
        workers=settings.workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=8,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
