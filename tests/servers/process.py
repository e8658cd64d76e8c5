"""What the local test servers (the Bluesky PDS, mastodon-mock) share: stopping a child process
that exits on stdin EOF, and the tail of its captured output for error messages."""

from __future__ import annotations

import subprocess
from typing import IO


def stop_process(proc: subprocess.Popen) -> None:
    """Close stdin (the server's cue to exit) and wait; terminate, then kill, if it lingers."""
    if proc.stdin:
        try:
            proc.stdin.close()
        except OSError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def output_tail(captured: IO[bytes] | None, label: str, limit: int = 4000) -> str:
    """The last ``limit`` bytes of a captured output file, as a block to append to an error."""
    if captured is None:
        return ""
    captured.flush()
    captured.seek(0)
    tail = captured.read()[-limit:].decode("utf-8", "replace").strip()
    return f"\n--- {label} ---\n{tail}" if tail else ""
