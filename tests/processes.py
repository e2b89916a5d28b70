"""Stopping the real bot processes tests start: politely first, then for sure."""

from __future__ import annotations

import asyncio

GRACE_SECONDS = 20.0


async def stop_gracefully(proc: asyncio.subprocess.Process, grace: float = GRACE_SECONDS) -> None:
    """Send SIGTERM and wait; SIGKILL if the process has not exited within `grace` seconds."""
    if proc.returncode is not None:
        return
    proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), grace)
    except TimeoutError:
        proc.kill()
        await proc.wait()
