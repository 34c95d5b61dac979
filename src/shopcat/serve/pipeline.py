"""The serving pipeline: topic -> consumers -> preprocessing workers -> batching classifier -> topic.

    input topic --> consumer 0..N-1 (one consumer group)
                      | chunks of raw messages, over one shared queue or one queue per consumer ("multi")
                      v
                    preprocessing worker 0..M-1 (parse JSON, check fields, tokenize, vocab lookup, image decode)
                      | preprocessed items                        \\ unusable messages -> dead-letter topic
                      v
                    batch queue --> classifier (batches by size or timeout, GPU when present) --> output topic
                      ack (partition, offset) back to the consumer that owns the offset, once the broker
                      has acknowledged the prediction or the dead-letter record

A consumer commits, per partition, the lowest offset still in flight (or the one after the last read), so a
committed offset never passes a message whose result is not stored: at-least-once. A process that dies may
leave a shared multiprocessing queue locked or half-written, so the supervisor restarts the whole set of
processes from the committed offsets (crash-only): nothing is lost, what was in flight comes out twice.

Three kinds of trouble, three answers:
- a message no retry can fix (not JSON, a missing or oversize field, an image that does not decode for a
  model that looks at images) is Unusable: it goes to the dead-letter topic with its reason, and only once
  the broker has the dead letter is its offset acknowledged;
- anything else raised while working (a bug, a model that fails) crashes the process; the supervisor logs
  its exit code and restarts the set from the committed offsets, within a budget of restarts per minute;
- a condition no restart fixes (Fatal: an unknown topic, no access, a delivery still failing after its
  retries) stops the whole pipeline with that message: `pipe.failed`, `pipe.error`, exit code 1.
Processes whose supervisor died (SIGKILL, a lost machine) notice their parent is gone and exit, so the
partitions they held go to the other members of the consumer group.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import multiprocessing as mp
import os
import queue as queue_lib
import signal
import socket
import struct
import sys
import threading
import time
from collections import defaultdict, deque
from dataclasses import asdict, dataclass

import numpy as np

from shopcat.serve.batcher import next_batch
from shopcat.serve.stand_in import load_predictor
from shopcat.serve.transport import Fatal, Transport, make_sink, make_source

log = logging.getLogger("shopcat.serve")

WARM_UP_PRODUCT = ("워밍업 텀블러 500ml", "생활>주방")  # title, mall category: run once before a worker is ready
FATAL_EXIT = 3  # the exit code of a process that stopped on a Fatal error (its message is on the errors queue)

# Indices into the shared stats array (counts include duplicates after a restart).
STAT_NAMES = ("consumed", "preprocessed", "dead_lettered", "delivered", "batches", "delivery_retries",
              "commit_failures")
CONSUMED, PREPROCESSED, DEAD_LETTERED, DELIVERED, BATCHES, DELIVERY_RETRIES, COMMIT_FAILURES = range(7)


@dataclass
class ServeConfig:
    in_topic: str = "products"
    out_topic: str = "predictions"
    dead_letter_topic: str = "products.dead-letter"
    group: str = "shopcat-serve"
    consumers: int = 2
    preprocessors: int = 2
    queue_mode: str = "multi"  # "shared": one work queue for all; "multi": one per consumer
    max_batch: int = 256
    max_wait_ms: float = 20.0
    top_k: int = 3
    chunk: int = 256  # messages a consumer hands over at a time (one queue operation per chunk)
    queue_chunks: int = 8  # bound of each queue, in chunks: back-pressure instead of unbounded memory
    max_title_chars: int = 2000
    device: str = "auto"
    classifier_threads: int | None = None  # torch threads in the classifier; None: all cores
    predict: bool = True  # False: preprocessing only (the notebook's preprocessing plot); acks without a model
    drain_s: float = 30.0  # on stop, how long consumers wait for their in-flight messages
    # Kafka static membership (group.instance.id, unique per supervisor): a restarted consumer takes its
    # predecessor's place at once. Kafka drops a static member that stopped heartbeating after its session
    # (SESSION_TIMEOUT_MS), so a lost instance's partitions move to the rest of the group; the test broker
    # (Tansu) never drops one, so tests of a lost instance turn it off. Off, a consumer that died is dropped
    # after its session too, but Tansu is unreliable at rejoining dynamic members (restarts may stall).
    static_membership: bool = True


# --------------------------------------------------------------------------- parsing one message


class Unusable(ValueError):
    """A message that no retry can fix; its text is the dead-letter reason."""


def parse_message(value: bytes | None, max_title_chars: int, want_image: bool = True) -> dict:
    """The message as a dict with str product_id, title, mall_category and optional image bytes, or Unusable.
    want_image False (a text-only model) leaves the image out unread: its bytes cannot spoil the message."""
    if value is None:
        raise Unusable("empty message")
    try:
        message = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Unusable(f"not JSON: {error}") from None
    if not isinstance(message, dict):
        raise Unusable(f"not a JSON object: {type(message).__name__}")
    for name in ("product_id", "title"):
        if name not in message or message[name] is None:
            raise Unusable(f"missing field: {name}")
    for name in ("product_id", "title", "mall_category", "image_b64"):
        if name in message and message[name] is not None and not isinstance(message[name], str):
            raise Unusable(f"wrong type: {name} must be a string, not {type(message[name]).__name__}")
    if not message["title"].strip():
        raise Unusable("empty title")
    if len(message["title"]) > max_title_chars:
        raise Unusable(f"title too long: {len(message['title'])} chars > {max_title_chars}")
    image = None
    if want_image and message.get("image_b64"):
        try:
            image = base64.b64decode(message["image_b64"], validate=True)
        except ValueError as error:
            raise Unusable(f"broken image: not base64 ({error})") from None
    return {"product_id": message["product_id"], "title": message["title"],
            "mall_category": message.get("mall_category") or "", "image": image}


def decode_image(data: bytes, size: int | None) -> np.ndarray:
    """Image bytes (JPEG, PNG, ...) to an RGB uint8 array, resized to size x size when the model wants one.

    A JPEG is decoded straight at the smallest DCT scale (1/2, 1/4, 1/8) still at least `size` (PIL's draft
    mode): a model that looks at 64 px never pays for decoding 800 px.
    """
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            if size:
                image.draft("RGB", (size, size))
            image = image.convert("RGB")
            if size:
                image = image.resize((size, size))
            return np.asarray(image)
    except (OSError, ValueError, SyntaxError, EOFError, struct.error, Image.DecompressionBombError) as error:
        raise Unusable(f"broken image: {type(error).__name__}: {error}") from None  # what PIL raises for bad bytes


def preprocess_message(predictor, value: bytes | None, max_title_chars: int) -> tuple[str, dict]:
    """(product_id, model inputs) for one raw message; Unusable with the reason when it cannot be served.

    Only a model with an image branch (an `image_size` attribute) has its image decoded and gets the resized
    array as `image=`; a text-only model never reads the image, so a broken JPEG does not cost it a product.
    An error inside predictor.preprocess is not the message's fault: it propagates and crashes the worker.
    """
    image_size = getattr(predictor, "image_size", None)
    message = parse_message(value, max_title_chars, want_image=bool(image_size))
    if image_size and message["image"] is not None:
        image = decode_image(message["image"], image_size)
        return message["product_id"], predictor.preprocess(message["title"], message["mall_category"], image=image)
    return message["product_id"], predictor.preprocess(message["title"], message["mall_category"])


def dead_letter(value: bytes | None, reason: str, topic: str, partition: int, offset: int) -> bytes:
    """The dead-letter record: why, where it came from, and the start of the message (never all 10 MB)."""
    head = (value or b"")[:500].decode("utf-8", errors="replace")
    return json.dumps({"reason": reason, "topic": topic, "partition": partition, "offset": offset,
                       "size": len(value or b""), "head": head}, ensure_ascii=False).encode("utf-8")


def prediction_record(product_id: str, top: list[tuple[str, float]], version: str,
                      partition: int, offset: int) -> bytes:
    return json.dumps({"product_id": product_id,
                       "top_k": [{"category": c, "prob": round(p, 6)} for c, p in top],
                       "model_version": version, "partition": partition, "offset": offset},
                      ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------- the processes


def _single_threaded_torch() -> None:
    """Workers that do not run the model should not each grab every core for torch's thread pool."""
    import torch

    torch.set_num_threads(1)


def _add(stats, index: int, n: int) -> None:
    with stats.get_lock():
        stats[index] += n


def _put(q, item, abort, parent) -> bool:
    """Put with back-pressure, giving up when the generation is aborted or orphaned (never block forever)."""
    while True:
        try:
            q.put(item, timeout=0.5)
            return True
        except queue_lib.Full:
            if abort.is_set() or parent.gone():
                return False


def _loaded(warm_up: list, loaded) -> None:
    """Tell the supervisor this worker is ready: its model loaded and run once, so the first real message
    pays no one-off cost (Kiwi's set-up, torch's first forward) and a measurement starts from a ready pipeline."""
    for step in warm_up:
        step()
    with loaded.get_lock():
        loaded.value += 1


def _send_acks(acks: dict, ack_queues) -> None:
    for consumer, offsets in acks.items():
        if offsets:
            ack_queues[consumer].put(offsets)
    acks.clear()


def run_worker(target, errors, *args) -> None:
    """A process's body: a Fatal error is reported on `errors` and ends the process with FATAL_EXIT, so the
    supervisor stops everything; any other exception ends it with code 1 (and a traceback), so it restarts."""
    try:
        target(*args)
    except Fatal as error:
        errors.put(f"{mp.current_process().name}: {error}")
        errors.close()
        errors.join_thread()  # the message must be in the pipe before the supervisor sees us gone
        sys.exit(FATAL_EXIT)


class ParentWatch:
    """Notices that the supervisor that started us is gone (SIGKILLed, its machine lost), so a worker exits
    instead of holding partitions nobody serves. Checks at most every `every_s`.

    multiprocessing keeps a pipe from the starting process open in each child (its parent sentinel), which
    reads as closed once that process is dead, whatever the start method: the forkserver in between stays
    alive as long as its children do, so the parent PID alone would never change.
    An orphan leaves with os._exit: flushing its queues could block forever on pipes nobody reads, and
    whatever it had in flight is redelivered from the committed offsets anyway."""

    def __init__(self, every_s: float = 0.5):
        self.parent, self.every_s, self.next_check, self.orphaned = mp.parent_process(), every_s, 0.0, False

    def gone(self) -> bool:
        now = time.monotonic()
        if self.parent is not None and not self.orphaned and now >= self.next_check:
            self.next_check = now + self.every_s
            self.orphaned = not self.parent.is_alive()
        return self.orphaned

    def exit_if_orphaned(self) -> None:
        if self.orphaned:
            os._exit(0)


class Deliveries:
    """What a worker's sink reported: acknowledgements to send, retries to count, and failures to stop on."""

    def __init__(self, sink, stats, ack_queues):
        self.sink, self.stats, self.ack_queues = sink, stats, ack_queues
        self.acks: dict[int, list] = defaultdict(list)
        self.failed: list[str] = []
        self.retries_counted = 0

    def callback(self, consumer: int, partition: int, offset: int, what: str, then=None):
        def on_delivery(error):
            if error is not None:
                self.failed.append(f"{what} for offset {offset} of partition {partition}: {error}")
                return
            self.acks[consumer].append((partition, offset))
            if then:
                then()
        return on_delivery

    def poll(self, timeout: float = 0) -> None:
        """Serve delivery reports, send the acknowledgements; Fatal when a delivery failed for good."""
        self.sink.poll(timeout)
        self.publish()

    def publish(self) -> None:
        _send_acks(self.acks, self.ack_queues)
        if self.sink.retries > self.retries_counted:
            _add(self.stats, DELIVERY_RETRIES, self.sink.retries - self.retries_counted)
            self.retries_counted = self.sink.retries
        if self.failed:
            raise Fatal(f"{len(self.failed)} deliveries failed after every retry; the first: {self.failed[0]}")

    def flush(self) -> None:
        self.sink.flush()
        self.publish()


def consumer_main(idx, transport, cfg, work_queue, ack_queue, stop_consuming, abort, stats, assigned, member):
    """Read the input topic; track in-flight offsets per partition; commit what is acknowledged."""
    work_queue.cancel_join_thread()  # exiting must never wait on a queue another process may have broken
    inflight: dict[int, set[int]] = {}
    next_offset: dict[int, int] = {}
    committed: dict[int, int] = {}
    source = None
    parent = ParentWatch()

    def commit(partitions=None):
        points = {}
        for p in list(next_offset) if partitions is None else partitions:
            if p in next_offset:
                point = min(inflight[p]) if inflight.get(p) else next_offset[p]
                if committed.get(p) != point:
                    points[p] = point
        if source.commit(points):
            committed.update(points)
        else:  # not stored: left out of `committed`, so the next commit sends these offsets again
            _add(stats, COMMIT_FAILURES, 1)

    def on_assign(partitions):
        assigned[idx] = len(partitions)

    def on_revoke(partitions):
        drain_acks()
        commit(partitions)
        for p in partitions:
            inflight.pop(p, None), next_offset.pop(p, None), committed.pop(p, None)
        assigned[idx] = 0

    def drain_acks():
        while True:
            try:
                offsets = ack_queue.get_nowait()
            except queue_lib.Empty:
                return
            for p, o in offsets:
                if p in inflight:
                    inflight[p].discard(o)

    source = make_source(transport, cfg.in_topic, cfg.group, on_assign, on_revoke, member)
    last_commit, drain_deadline = time.monotonic(), None
    while not abort.is_set() and not parent.gone():
        if not stop_consuming.is_set():
            records = source.poll(cfg.chunk, 0.05)
            if records:
                t = time.time()
                for r in records:
                    inflight.setdefault(r.partition, set()).add(r.offset)
                    next_offset[r.partition] = r.offset + 1
                if not _put(work_queue, (idx, t, [(r.partition, r.offset, r.value) for r in records]), abort, parent):
                    break
                _add(stats, CONSUMED, len(records))
        else:
            drain_deadline = drain_deadline or time.monotonic() + cfg.drain_s
            if not any(inflight.values()) or time.monotonic() > drain_deadline:
                break
            time.sleep(0.01)
        drain_acks()
        if time.monotonic() - last_commit > 0.2:
            commit()
            last_commit = time.monotonic()
    parent.exit_if_orphaned()  # before the last commit, which may block while the group rebalances
    drain_acks()
    commit()
    source.close()


def preprocessor_main(idx, transport, cfg, model_path, work_queue, batch_queue, ack_queues, stop_all, abort,
                      stats, loaded):
    """Turn raw messages into model inputs; send unusable ones to the dead-letter topic with the reason.
    Any other exception is a bug or a broken model, not the message's fault: it ends the process."""
    _single_threaded_torch()
    batch_queue.cancel_join_thread()
    predictor = load_predictor(model_path)
    _loaded([lambda: predictor.preprocess(*WARM_UP_PRODUCT)], loaded)
    deliveries = Deliveries(make_sink(transport), stats, ack_queues)
    parent = ParentWatch()

    while not abort.is_set() and not parent.gone():
        try:
            consumer, t, records = work_queue.get(timeout=0.1)
        except queue_lib.Empty:
            deliveries.poll(0)
            if stop_all.is_set():
                break
            continue
        items, dead = [], 0
        for p, o, value in records:
            try:
                product_id, features = preprocess_message(predictor, value, cfg.max_title_chars)
                items.append((consumer, p, o, product_id, features, t))
            except Unusable as error:
                dead += 1
                deliveries.sink.produce(cfg.dead_letter_topic, None,
                                        dead_letter(value, str(error), cfg.in_topic, p, o),
                                        deliveries.callback(consumer, p, o, "the dead letter"))
        if items and not _put(batch_queue, items, abort, parent):
            break
        _add(stats, PREPROCESSED, len(items))
        if dead:
            _add(stats, DEAD_LETTERED, dead)
        deliveries.poll(0)
    parent.exit_if_orphaned()
    deliveries.flush()


def classifier_main(transport, cfg, model_path, batch_queue, ack_queues, stop_all, abort, stats, results, loaded):
    """Batch, predict, produce; acknowledge each offset once the broker has the prediction."""
    import torch

    from shopcat import config

    torch.set_num_threads(cfg.classifier_threads or os.cpu_count() or 1)
    predictor = load_predictor(model_path, config.device(cfg.device))
    sample = predictor.preprocess(*WARM_UP_PRODUCT)
    _loaded([lambda: predictor.forward(predictor.collate([sample] * min(cfg.max_batch, 64)))], loaded)
    version = str(getattr(predictor, "version", "unknown"))
    deliveries = Deliveries(make_sink(transport), stats, ack_queues)
    latencies: list[float] = []
    buffer: deque = deque()
    delivered = 0
    parent = ParentWatch()

    def counted(t):
        def then():
            nonlocal delivered
            latencies.append(time.time() - t)
            delivered += 1
        return then

    def publish():
        nonlocal delivered
        try:
            deliveries.poll(0)
        finally:
            if delivered:
                _add(stats, DELIVERED, delivered)
                delivered = 0

    while not abort.is_set() and not parent.gone():
        batch = next_batch(batch_queue, buffer, cfg.max_batch, cfg.max_wait_ms / 1000)
        if not batch:
            publish()
            if stop_all.is_set():
                break
            continue
        if cfg.predict:
            probs = predictor.forward(predictor.collate([item[4] for item in batch]))
            for (consumer, p, o, product_id, _, t), top in zip(batch, predictor.topk(probs, cfg.top_k),
                                                               strict=True):
                deliveries.sink.produce(cfg.out_topic, product_id, prediction_record(product_id, top, version, p, o),
                                        deliveries.callback(consumer, p, o, "the prediction", counted(t)))
        else:
            for consumer, p, o, _, _, t in batch:
                deliveries.callback(consumer, p, o, "the prediction", counted(t))(None)
        _add(stats, BATCHES, 1)
        publish()
    parent.exit_if_orphaned()
    deliveries.sink.flush()
    publish()
    results.put(np.asarray(latencies, dtype=np.float32))


# --------------------------------------------------------------------------- the supervisor


class Pipeline:
    """Start, watch and stop the pipeline's processes. `with Pipeline(...) as pipe:` stops them on the way out."""

    def __init__(self, model_path, transport: Transport | None = None, cfg: ServeConfig | None = None,
                 start_method: str = "forkserver", max_restarts_per_minute: int = 5):
        """A crash restarts every process; more than max_restarts_per_minute restarts within a minute means
        the crash is not passing (a bug hit by every retry), so the pipeline stops and says so."""
        self.model_path = str(model_path)
        self.transport = transport or Transport()
        self.cfg = cfg or ServeConfig()
        if self.cfg.queue_mode not in ("shared", "multi"):
            raise ValueError(f"queue_mode must be 'shared' or 'multi', not {self.cfg.queue_mode!r}")
        if self.cfg.queue_mode == "multi" and self.cfg.preprocessors < self.cfg.consumers:
            raise ValueError("queue_mode 'multi' needs at least one preprocessor per consumer queue")
        self.ctx = mp.get_context(start_method)
        if start_method == "forkserver":  # import torch once in the server, not once per process (~3-10 s each)
            self.ctx.set_forkserver_preload(["torch", "shopcat.serve.pipeline"])
        self.stats = self.ctx.Array("d", len(STAT_NAMES))
        self.errors = self.ctx.Queue()  # Fatal messages from the processes
        self.assigned = self.ctx.Array("i", self.cfg.consumers)
        self.loaded = self.ctx.Value("i", 0)  # preprocessors and classifier with their model loaded
        self.restarts, self.max_restarts_per_minute = 0, max_restarts_per_minute
        self.restart_times: deque = deque()
        self.failed, self.error = False, None  # error: the one sentence the pipeline stopped on
        self.exits: list[dict] = []  # every process exit seen: name, pid, exit code, when
        # the same name for consumer i across restarts (Kafka static membership), unique per supervisor
        self.member_prefix = (f"{self.cfg.group}-{socket.gethostname()}-{os.getpid()}"
                              if self.cfg.static_membership else None)
        self.latencies: list[np.ndarray] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._monitor: threading.Thread | None = None
        self.generation: dict = {}

    # a "generation" is one set of processes with their own queues; a crash replaces it whole
    def _spawn(self) -> None:
        cfg, ctx = self.cfg, self.ctx
        n_work_queues = cfg.consumers if cfg.queue_mode == "multi" else 1
        work_queues = [ctx.Queue(cfg.queue_chunks) for _ in range(n_work_queues)]
        batch_queue = ctx.Queue(cfg.queue_chunks * max(1, cfg.preprocessors))
        ack_queues = [ctx.Queue() for _ in range(cfg.consumers)]
        events = {name: ctx.Event() for name in ("stop_consuming", "stop_all", "abort")}
        results = ctx.Queue()
        for i in range(cfg.consumers):
            self.assigned[i] = 0
        self.loaded.value = 0
        def process(target, name, *args):
            return ctx.Process(target=run_worker, name=name, daemon=True, args=(target, self.errors, *args))

        consumers = [process(consumer_main, f"serve-consumer-{i}", *(
            i, self.transport, cfg, work_queues[i % n_work_queues], ack_queues[i], events["stop_consuming"],
            events["abort"], self.stats, self.assigned, self.member_prefix and f"{self.member_prefix}-{i}"))
            for i in range(cfg.consumers)]
        preprocessors = [process(preprocessor_main, f"serve-preprocessor-{i}", *(
            i, self.transport, cfg, self.model_path, work_queues[i % n_work_queues], batch_queue, ack_queues,
            events["stop_all"], events["abort"], self.stats, self.loaded)) for i in range(cfg.preprocessors)]
        classifier = process(classifier_main, "serve-classifier", *(
            self.transport, cfg, self.model_path, batch_queue, ack_queues, events["stop_all"], events["abort"],
            self.stats, results, self.loaded))
        for process in [classifier, *preprocessors, *consumers]:
            process.start()
        # Process.start() drops its args, so the queues must be held here or they are freed (and their
        # semaphores unlinked) before a child has unpickled them.
        self.generation = dict(consumers=consumers, preprocessors=preprocessors, classifier=classifier,
                               events=events, results=results, queues=(work_queues, batch_queue, ack_queues))

    def _processes(self) -> list:
        g = self.generation
        return [*g.get("consumers", []), *g.get("preprocessors", []), *([g["classifier"]] if g else [])]

    def pids(self) -> dict[str, list[int]]:
        g = self.generation
        return {"consumers": [p.pid for p in g["consumers"]],
                "preprocessors": [p.pid for p in g["preprocessors"]], "classifier": [g["classifier"].pid]}

    def _record_exits(self, processes, why: str) -> None:
        for p in processes:
            if p.exitcode is not None and not any(e["pid"] == p.pid for e in self.exits):
                self.exits.append({"name": p.name, "pid": p.pid, "exitcode": p.exitcode, "why": why,
                                   "time": time.time()})
                level = logging.INFO if why == "stopped" or p.exitcode == 0 else logging.WARNING
                log.log(level, "%s (pid %d) exited with code %s (%s)", p.name, p.pid, p.exitcode, why)

    def _kill_generation(self, why: str = "stopped") -> None:
        g = self.generation
        g["events"]["abort"].set()
        for process in [*g["preprocessors"], g["classifier"]]:
            if process.is_alive():
                os.kill(process.pid, signal.SIGKILL)
        for process in g["consumers"]:  # given a moment to commit and leave, so the rebalance is quick
            process.join(3)
            if process.is_alive():
                os.kill(process.pid, signal.SIGKILL)
        for process in self._processes():
            process.join(5)
        self._record_exits(self._processes(), why)

    def _fail(self, error: str) -> None:
        """Stop every process and keep the reason: nothing keeps running half-dead after a failure."""
        self.error = error
        log.error("serving stopped: %s", error)
        self._kill_generation("stopped after the failure")
        self.generation = {}
        self._stopping.set()
        self.failed = True  # last: whoever sees it finds every process already gone

    def _fatal_message(self) -> str | None:
        try:
            return self.errors.get(timeout=0.5)
        except queue_lib.Empty:
            return None

    def _watch(self) -> None:
        while not self._stopping.wait(0.2):
            with self._lock:
                if self._stopping.is_set():
                    return
                dead = [p for p in self._processes() if p.exitcode is not None]
                if not dead:
                    continue
                self._record_exits(dead, "crashed")
                if any(p.exitcode == FATAL_EXIT for p in dead):
                    self._fail(self._fatal_message() or f"{dead[0].name} stopped on a fatal error")
                    return
                now = time.monotonic()
                while self.restart_times and now - self.restart_times[0] > 60:
                    self.restart_times.popleft()
                if len(self.restart_times) >= self.max_restarts_per_minute:
                    codes = ", ".join(f"{p.name} {p.exitcode}" for p in dead)
                    self._fail(f"{len(self.restart_times) + 1} crashes within a minute (budget "
                               f"{self.max_restarts_per_minute} restarts per minute; the last: exit code {codes})")
                    return
                self.restart_times.append(now)
                self.restarts += 1
                log.warning("restarting every process from the committed offsets (restart %d, %d in the "
                            "last minute)", self.restarts, len(self.restart_times))
                self._kill_generation("stopped for the restart")
                self._spawn()

    def start(self) -> Pipeline:
        self._spawn()
        self._monitor = threading.Thread(target=self._watch, name="serve-supervisor", daemon=True)
        self._monitor.start()
        return self

    def ready(self) -> bool:
        """True once every consumer holds partitions (or the in-process source) and every preprocessor and the
        classifier have loaded and warmed up their model."""
        return (all(self.assigned[i] > 0 for i in range(self.cfg.consumers))
                and self.loaded.value == self.cfg.preprocessors + 1)

    def counts(self) -> dict[str, int]:
        return {name: int(self.stats[i]) for i, name in enumerate(STAT_NAMES)}

    def stop(self, timeout: float = 60.0) -> None:
        """Drain: consumers stop reading and wait for their in-flight acks, then the rest finishes its work."""
        self._stopping.set()
        with self._lock:
            if not self.generation:
                return
            g = self.generation
            g["events"]["stop_consuming"].set()
            for process in g["consumers"]:
                process.join(timeout)
            g["events"]["stop_all"].set()
            try:
                self.latencies.append(g["results"].get(timeout=timeout))
            except queue_lib.Empty:
                pass
            for process in self._processes():
                process.join(10)
                if process.is_alive():
                    os.kill(process.pid, signal.SIGKILL)
                    process.join(5)
            self._record_exits(self._processes(), "stopped")
            self.generation = {}

    def __enter__(self) -> Pipeline:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def describe(self) -> dict:
        return {**asdict(self.cfg), "restarts": self.restarts, "error": self.error}


def wait_for(pipe: Pipeline, n_messages: int, timeout: float, poll_s: float = 0.02) -> dict:
    """Wait until n_messages came out (predictions plus dead letters); the time from the first one read."""
    start = time.monotonic()
    first = None
    while time.monotonic() - start < timeout:
        counts = pipe.counts()
        if first is None and counts["consumed"] > 0:
            first = time.monotonic()
        if counts["delivered"] + counts["dead_lettered"] >= n_messages:
            break
        time.sleep(poll_s)
    end = time.monotonic()
    counts = pipe.counts()
    seconds = end - (first or start)
    done = counts["delivered"] + counts["dead_lettered"]
    return {**counts, "seconds": seconds, "msg_per_s": done / seconds if seconds > 0 else 0.0,
            "complete": done >= n_messages}


def cli_serve(argv: list[str]) -> int:
    """`shopcat serve --bootstrap HOST:PORT --model PATH --in TOPIC --out TOPIC [...]`: run until Ctrl-C.

    Start one per machine with the same --group: Kafka shares the input partitions among them and moves a
    stopped or lost instance's partitions to the others. Exit code 1 when the pipeline stopped on an error.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="shopcat serve", description="Categorise a stream of products.")
    parser.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers, HOST:PORT")
    parser.add_argument("--model", required=True, help="a saved model folder, e.g. models/text/latest")
    parser.add_argument("--in", dest="in_topic", required=True)
    parser.add_argument("--out", dest="out_topic", required=True)
    parser.add_argument("--dead-letter", default=None, help="default: <in>.dead-letter")
    parser.add_argument("--group", default="shopcat-serve", help="the same on every instance that shares the work")
    parser.add_argument("--consumers", type=int, default=2)
    parser.add_argument("--preprocessors", type=int, default=2)
    parser.add_argument("--queue-mode", choices=("shared", "multi"), default="multi")
    parser.add_argument("--max-batch", type=int, default=256)
    parser.add_argument("--max-wait-ms", type=float, default=20.0)
    parser.add_argument("--top-k", type=int, default=3)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--classifier-threads", type=int, default=None, help="torch threads (default: all cores)")
    parser.add_argument("--max-restarts-per-minute", type=int, default=5)
    parser.add_argument("--dynamic-membership", action="store_true",
                        help="no Kafka static membership (group.instance.id); needed on brokers that never drop a "
                             "dead static member, like the Tansu test broker")
    parser.add_argument("--report-s", type=float, default=10.0, help="seconds between status lines")
    args = parser.parse_args(argv)
    # Ctrl-C (SIGINT) stops, even when the launcher ignored it: a background job of a non-interactive shell
    # starts with SIGINT ignored, and Python then never raises KeyboardInterrupt (the job ran until SIGKILL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cfg = ServeConfig(in_topic=args.in_topic, out_topic=args.out_topic, group=args.group,
                      dead_letter_topic=args.dead_letter or f"{args.in_topic}.dead-letter",
                      consumers=args.consumers, preprocessors=args.preprocessors, queue_mode=args.queue_mode,
                      max_batch=args.max_batch, max_wait_ms=args.max_wait_ms, top_k=args.top_k, device=args.device,
                      classifier_threads=args.classifier_threads, static_membership=not args.dynamic_membership)
    pipe = Pipeline(args.model, Transport(args.bootstrap), cfg,
                    max_restarts_per_minute=args.max_restarts_per_minute).start()
    print(f"serving {cfg.in_topic} -> {cfg.out_topic} (dead letters: {cfg.dead_letter_topic}, group {cfg.group}); "
          "Ctrl-C stops", flush=True)
    try:
        last, last_time, was_ready = pipe.counts(), time.monotonic(), False
        while not pipe.failed:
            time.sleep(0.2)
            if not was_ready and pipe.ready():
                was_ready = True
                print(f"ready: {sum(pipe.assigned[:])} partitions of {cfg.in_topic}", flush=True)
            if time.monotonic() - last_time >= args.report_s:
                now, seconds = pipe.counts(), time.monotonic() - last_time
                rate = (now["delivered"] - last["delivered"]) / seconds
                print(f"{now['delivered']} predicted, {now['dead_lettered']} dead-lettered, {rate:.0f} msg/s, "
                      f"{sum(pipe.assigned[:])} partitions, {pipe.restarts} restarts, "
                      f"{now['delivery_retries']} delivery retries, {now['commit_failures']} failed commits",
                      flush=True)
                last, last_time = now, time.monotonic()
    except KeyboardInterrupt:
        pass
    finally:
        pipe.stop()
    if pipe.failed:
        print(f"shopcat serve stopped: {pipe.error}", file=sys.stderr, flush=True)
        return 1
    return 0
