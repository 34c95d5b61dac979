"""Where messages come from and go to: a Kafka topic, or in-process queues standing in for one.

Both sides have the same small interface, so the pipeline's processes do not know which one they run on:
a source has `poll(max_n, timeout) -> list[Record]`, `commit({partition: offset})`, `seek(partition, offset)`,
`close()`; a sink has `produce(topic, key, value, on_delivery)`, `poll(timeout)`, `flush(timeout)`.
The in-process stand-in (no bootstrap given) keeps no log, so it cannot redeliver: it is for quick local runs,
the at-least-once guarantees hold on a real broker.
"""

from __future__ import annotations

import queue as queue_lib
from collections.abc import Callable
from dataclasses import dataclass, field

from shopcat.serve.broker import SESSION_TIMEOUT_MS

# Big enough for the 10 MB poison title of the tests to travel (and be sent to the dead-letter topic).
MAX_MESSAGE_BYTES = 32 * 1024 * 1024


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
        self.consumer = Consumer({
            "bootstrap.servers": transport.bootstrap,
            "group.id": group,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": SESSION_TIMEOUT_MS,
            "heartbeat.interval.ms": 1000,
            "max.partition.fetch.bytes": MAX_MESSAGE_BYTES,
            "fetch.max.bytes": MAX_MESSAGE_BYTES * 2,
            # static membership: a restarted consumer takes its predecessor's place at once, instead of the
            # group waiting for a killed member's session to expire (which could stall the group here)
            **({"group.instance.id": member} if member else {}),
            **transport.kafka_conf,
        })
        self.consumer.subscribe(
            [topic],
            on_assign=lambda c, parts: on_assign and on_assign([p.partition for p in parts]),
            on_revoke=lambda c, parts: on_revoke and on_revoke([p.partition for p in parts]),
            on_lost=lambda c, parts: on_revoke and on_revoke([p.partition for p in parts]),
        )

    def poll(self, max_n: int, timeout: float) -> list[Record]:
        records = []
        for message in self.consumer.consume(max_n, timeout):
            if message.error():
                continue  # partition EOF and transient errors; librdkafka retries by itself
            records.append(Record(message.partition(), message.offset(), message.key(), message.value()))
        return records

    def commit(self, offsets: dict[int, int]) -> None:
        from confluent_kafka import KafkaException, TopicPartition

        if offsets:
            try:
                self.consumer.commit(offsets=[TopicPartition(self.topic, p, o) for p, o in offsets.items()],
                                     asynchronous=False)
            except KafkaException:
                pass  # e.g. during a rebalance; the next commit carries the same or newer offsets

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

    def commit(self, offsets: dict[int, int]) -> None:
        pass

    def seek(self, partition: int, offset: int) -> None:
        pass  # nothing to go back to: the stand-in keeps no log

    def close(self) -> None:
        pass


class KafkaSink:
    def __init__(self, transport: Transport):
        from confluent_kafka import Producer

        self.producer = Producer({
            "bootstrap.servers": transport.bootstrap,
            "linger.ms": 5,
            "acks": "all",
            "enable.idempotence": False,
            "message.max.bytes": MAX_MESSAGE_BYTES,
            **transport.kafka_conf,
        })

    def produce(self, topic: str, key: bytes | str | None, value: bytes | str,
                on_delivery: Callable[[object], None]) -> None:
        while True:
            try:
                self.producer.produce(topic, value=value, key=key,
                                      on_delivery=lambda err, msg: on_delivery(err))
                return
            except BufferError:  # local queue full: serve delivery reports, then try again
                self.producer.poll(0.05)

    def poll(self, timeout: float = 0) -> None:
        self.producer.poll(timeout)

    def flush(self, timeout: float = 30) -> int:
        return self.producer.flush(timeout)


class MemorySink:
    def __init__(self, transport: Transport):
        self.queues = transport.queues

    def produce(self, topic, key, value, on_delivery) -> None:
        self.queues[topic].put((key, value))
        on_delivery(None)

    def poll(self, timeout: float = 0) -> None:
        pass

    def flush(self, timeout: float = 30) -> int:
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
