"""Where messages come from and go to: a Kafka topic, or in-process queues standing in for one.

Both sides have the same small interface, so the pipeline's processes do not know which one they run on:
a source has `poll(max_n, timeout) -> list[Record]`, `commit({partition: offset})`, `seek(partition, offset)`,
`close()`; a sink has `produce(topic, key, value, on_delivery)`, `poll(timeout)`, `flush(timeout)`.
The in-process stand-in (no bootstrap given) keeps no log, so it cannot redeliver: it is for quick local runs,
the at-least-once guarantees hold on a real broker.

What is an error here, and what is not:
- a consumer error that no waiting fixes (topic or partition unknown, not authorised, authentication failed,
  anything librdkafka calls fatal) raises Fatal from `poll`, so the pipeline stops with it instead of
  reading nothing forever; other consumer errors are transient and librdkafka retries them itself;
- `commit` retries a failed commit a few times and returns False when it still failed, so the caller does
  not record an offset as committed that the broker never stored;
- a failed delivery is produced again (up to `delivery_attempts` in all, counted in `sink.retries`) before
  `on_delivery` hears of it; only then is it the caller's to stop on.
"""

from __future__ import annotations

import logging
import queue as queue_lib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from shopcat.serve.broker import SESSION_TIMEOUT_MS

log = logging.getLogger("shopcat.serve")

# Big enough for the 10 MB poison title of the tests to travel (and be sent to the dead-letter topic).
MAX_MESSAGE_BYTES = 32 * 1024 * 1024
COMMIT_ATTEMPTS = 3
DELIVERY_ATTEMPTS = 3  # each after librdkafka's own retries (message.timeout.ms) have run out
MISSING_TOPIC_GRACE_S = 5.0  # a topic created a moment ago may not be in every broker's metadata yet


class Fatal(RuntimeError):
    """A condition no restart fixes (wrong topic, no access, a delivery that keeps failing): stop, and say it."""


def _fatal_codes() -> set[int]:
    from confluent_kafka import KafkaError

    return {KafkaError._UNKNOWN_TOPIC, KafkaError._UNKNOWN_PARTITION, KafkaError.TOPIC_AUTHORIZATION_FAILED,
            KafkaError.GROUP_AUTHORIZATION_FAILED, KafkaError.CLUSTER_AUTHORIZATION_FAILED,
            KafkaError.SASL_AUTHENTICATION_FAILED, KafkaError._AUTHENTICATION}


def is_fatal(error) -> bool:
    return error.fatal() or error.code() in _fatal_codes()


@dataclass
class Record:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass
class Transport:
    """How to reach the topics: a Kafka bootstrap, or (bootstrap None) a dict of multiprocessing queues."""

    bootstrap: str | None = None
    queues: dict = field(default_factory=dict)  # topic -> multiprocessing.Queue, only for the in-process stand-in
    kafka_conf: dict = field(default_factory=dict)  # extra client settings, e.g. security for a user's cluster


class KafkaSource:
    """One consumer of a consumer group; offsets are committed by the pipeline, never automatically."""

    def __init__(self, transport: Transport, topic: str, group: str,
                 on_assign: Callable | None = None, on_revoke: Callable | None = None, member: str | None = None):
        from confluent_kafka import Consumer

        self.topic = topic
        self.fatal_error = None  # set by librdkafka's error callback (authentication, fatal errors)
        self.missing_since: float | None = None  # when the subscribed topic was first reported unknown
        self.missing_error = ""
        self.holds_partitions = False
        self.consumer = Consumer({
            "bootstrap.servers": transport.bootstrap,
            "group.id": group,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": SESSION_TIMEOUT_MS,
            "heartbeat.interval.ms": 1000,
            "max.partition.fetch.bytes": MAX_MESSAGE_BYTES,
            "fetch.max.bytes": MAX_MESSAGE_BYTES * 2,
            # static membership (unless turned off): a restarted consumer takes its predecessor's place at
            # once, instead of the group waiting for a killed member's session to expire
            **({"group.instance.id": member} if member else {}),
            "error_cb": self._on_client_error,
            **transport.kafka_conf,
        })

        def assigned(consumer, parts):
            if parts:
                self.holds_partitions, self.missing_since = True, None
            if on_assign:
                on_assign([p.partition for p in parts])

        self.consumer.subscribe(
            [topic],
            on_assign=assigned,
            on_revoke=lambda c, parts: on_revoke and on_revoke([p.partition for p in parts]),
            on_lost=lambda c, parts: on_revoke and on_revoke([p.partition for p in parts]),
        )

    def _on_client_error(self, error) -> None:
        if is_fatal(error):
            self.fatal_error = error
        else:
            log.debug("consumer of %s: %s", self.topic, error)

    def poll(self, max_n: int, timeout: float) -> list[Record]:
        """Up to max_n records; raises Fatal for an error that waiting does not fix."""
        from confluent_kafka import KafkaError

        records = []
        for message in self.consumer.consume(max_n, timeout):
            error = message.error()
            if error is None:
                records.append(Record(message.partition(), message.offset(), message.key(), message.value()))
            elif is_fatal(error):
                raise Fatal(f"consuming {self.topic}: {error.str()}")
            elif error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART and not self.holds_partitions:
                self.missing_since = self.missing_since or time.monotonic()
                self.missing_error = error.str()
            elif error.code() != KafkaError._PARTITION_EOF:
                log.warning("consuming %s: %s (librdkafka retries)", self.topic, error.str())
        if self.fatal_error is not None:
            raise Fatal(f"consuming {self.topic}: {self.fatal_error.str()}")
        if self.missing_since is not None and time.monotonic() - self.missing_since > MISSING_TOPIC_GRACE_S:
            raise Fatal(f"consuming {self.topic}: the topic does not exist ({self.missing_error}); "
                        f"create it or fix --in.")
        return records

    def commit(self, offsets: dict[int, int]) -> bool:
        """Commit synchronously; True once the broker has stored the offsets. A failure is retried; False
        after COMMIT_ATTEMPTS, or at once when the partitions are no longer ours (a rebalance)."""
        from confluent_kafka import KafkaError, KafkaException, TopicPartition

        if not offsets:
            return True
        partitions = [TopicPartition(self.topic, p, o) for p, o in offsets.items()]
        for attempt in range(1, COMMIT_ATTEMPTS + 1):
            try:
                self.consumer.commit(offsets=partitions, asynchronous=False)
                return True
            except KafkaException as exc:
                error = exc.args[0]
                if error.fatal():
                    raise Fatal(f"committing offsets of {self.topic}: {error.str()}") from None
                rebalancing = error.code() in (KafkaError.REBALANCE_IN_PROGRESS, KafkaError.ILLEGAL_GENERATION,
                                               KafkaError.UNKNOWN_MEMBER_ID)
                log.warning("commit of %s %s failed (attempt %d of %d): %s", self.topic, offsets, attempt,
                            COMMIT_ATTEMPTS, error.str())
                if rebalancing:
                    return False  # the new owner starts from the last stored offset
                time.sleep(0.1 * attempt)
        return False

    def seek(self, partition: int, offset: int) -> None:
        from confluent_kafka import KafkaException, TopicPartition

        try:
            self.consumer.seek(TopicPartition(self.topic, partition, offset))
        except KafkaException:
            pass  # partition no longer ours: its new owner restarts from the committed offset anyway

    def close(self) -> None:
        self.consumer.close()


class MemorySource:
    """The in-process stand-in: every consumer takes from one shared queue of values; offsets count locally."""

    def __init__(self, transport: Transport, topic: str, group: str,
                 on_assign: Callable | None = None, on_revoke: Callable | None = None, member: str | None = None):
        self.queue = transport.queues[topic]
        self.next_offset = 0
        if on_assign:
            on_assign([0])

    def poll(self, max_n: int, timeout: float) -> list[Record]:
        records = []
        try:
            while len(records) < max_n:
                value = self.queue.get(timeout=timeout) if not records else self.queue.get_nowait()
                records.append(Record(0, self.next_offset, None, value))
                self.next_offset += 1
        except queue_lib.Empty:
            pass
        return records

    def commit(self, offsets: dict[int, int]) -> bool:
        return True

    def seek(self, partition: int, offset: int) -> None:
        pass  # nothing to go back to: the stand-in keeps no log

    def close(self) -> None:
        pass


class KafkaSink:
    """A producer whose failed deliveries are produced again before the caller hears of them."""

    def __init__(self, transport: Transport, delivery_attempts: int = DELIVERY_ATTEMPTS):
        from confluent_kafka import Producer

        self.delivery_attempts = delivery_attempts
        self.retries = 0  # deliveries produced again after a failure
        self.fatal_error = None
        self._again: deque = deque()  # (topic, key, value, on_delivery, attempt) waiting to be produced again
        self.producer = Producer({
            "bootstrap.servers": transport.bootstrap,
            "linger.ms": 5,
            "acks": "all",
            "enable.idempotence": False,
            "message.max.bytes": MAX_MESSAGE_BYTES,
            "error_cb": self._on_client_error,
            **transport.kafka_conf,
        })

    def _on_client_error(self, error) -> None:
        if is_fatal(error):
            self.fatal_error = error

    def produce(self, topic: str, key: bytes | str | None, value: bytes | str,
                on_delivery: Callable[[object], None], attempt: int = 1) -> None:
        """on_delivery(None) once the broker has the record; on_delivery(error) when every attempt failed."""

        def report(error, message) -> None:
            if error is not None and attempt < self.delivery_attempts and not error.fatal():
                log.warning("delivery to %s failed (attempt %d of %d), producing it again: %s", topic, attempt,
                            self.delivery_attempts, error.str())
                self._again.append((topic, key, value, on_delivery, attempt + 1))
            else:
                on_delivery(error)

        while True:
            try:
                self.producer.produce(topic, value=value, key=key, on_delivery=report)
                return
            except BufferError:  # local queue full: serve delivery reports, then try again
                self.producer.poll(0.05)

    def _produce_again(self) -> None:
        while self._again:  # not from inside the delivery callback: produce may have to poll
            topic, key, value, on_delivery, attempt = self._again.popleft()
            self.retries += 1
            self.produce(topic, key, value, on_delivery, attempt)

    def poll(self, timeout: float = 0) -> None:
        self.producer.poll(timeout)
        self._produce_again()
        if self.fatal_error is not None:
            raise Fatal(f"producing: {self.fatal_error.str()}")

    def flush(self, timeout: float = 30) -> int:
        """Wait for every delivery report, retries included; returns how many are still outstanding."""
        deadline = time.monotonic() + timeout
        while True:
            left = self.producer.flush(max(0.0, deadline - time.monotonic()))
            if not self._again:
                return left
            self._produce_again()
            if time.monotonic() >= deadline:
                return len(self.producer)

    def close(self, timeout: float = 30) -> int:
        """Flush, then let the producer go now: its error callback refers back to this sink, so without this
        only a full garbage collection frees it, and until then it keeps reconnecting to a broker that may be
        gone. Returns how many deliveries were still outstanding."""
        left = self.flush(timeout)
        self.producer = None
        return left


class MemorySink:
    def __init__(self, transport: Transport):
        self.queues = transport.queues
        self.retries = 0

    def produce(self, topic, key, value, on_delivery) -> None:
        self.queues[topic].put((key, value))
        on_delivery(None)

    def poll(self, timeout: float = 0) -> None:
        pass

    def flush(self, timeout: float = 30) -> int:
        return 0

    def close(self, timeout: float = 30) -> int:
        return 0


def make_source(transport: Transport, topic: str, group: str, on_assign=None, on_revoke=None, member=None):
    cls = KafkaSource if transport.bootstrap else MemorySource
    return cls(transport, topic, group, on_assign, on_revoke, member)


def make_sink(transport: Transport):
    return KafkaSink(transport) if transport.bootstrap else MemorySink(transport)


def create_topics(bootstrap: str, topics: dict[str, int], timeout: float = 10) -> None:
    """Create topics with the given partition counts; topics that already exist are left as they are."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(t, n, 1) for t, n in topics.items()], operation_timeout=timeout)
    for future in futures.values():
        try:
            future.result(timeout)
        except KafkaException as error:
            if "TOPIC_ALREADY_EXISTS" not in str(error):
                raise
