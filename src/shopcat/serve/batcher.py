"""Form the classifier's batches: up to max_batch items, or fewer once the oldest has waited max_wait.

A big batch makes the model fast per message; the wait bound keeps latency low when traffic is thin.
Items arrive in chunks (lists), so a chunk may be split over two batches: the rest stays in `buffer`.
"""

from __future__ import annotations

import queue as queue_lib
import time
from collections import deque


def next_batch(source, buffer: deque, max_batch: int, max_wait_s: float, idle_s: float = 0.1) -> list:
    """Take chunks from `source` into `buffer` and return the next batch; [] if nothing came within idle_s."""
    if not buffer:
        try:
            buffer.extend(source.get(timeout=idle_s))
        except queue_lib.Empty:
            return []
    deadline = time.monotonic() + max_wait_s
    while len(buffer) < max_batch:
        remaining = deadline - time.monotonic()
        try:
            buffer.extend(source.get(timeout=remaining) if remaining > 0 else source.get_nowait())
        except queue_lib.Empty:
            break
    return [buffer.popleft() for _ in range(min(max_batch, len(buffer)))]
