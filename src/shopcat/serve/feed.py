"""Feed a topic with products and read topics back: the `shopcat produce` verb and the test/benchmark harness.

A product message is JSON: {"product_id", "title", "mall_category", optional "image_b64"} (the image's
JPEG/PNG bytes, base64). Simulated messages carry a JPEG of the simulator's product image when asked, so a
model with an image branch is served with real decoding work.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import time

import numpy as np

from shopcat.serve.transport import MAX_MESSAGE_BYTES, create_topics


def product_message(product_id: str, title: str, mall_category: str = "", image: bytes | None = None) -> bytes:
    message = {"product_id": product_id, "title": title, "mall_category": mall_category}
    if image is not None:
        message["image_b64"] = base64.b64encode(image).decode("ascii")
    return json.dumps(message, ensure_ascii=False).encode("utf-8")


def jpeg_bytes(pixels: np.ndarray, quality: int = 90) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=quality)
    return out.getvalue()


def synthetic_messages(n: int, seed: int = 0, image_px: int | None = None) -> list[bytes]:
    """n product messages with varied titles; from the catalog simulator when it is installed.

    image_px: also attach the simulator's image of each product as an image_px x image_px JPEG.
    """
    try:
        from shopcat.sim import simulate_catalog

        catalog = simulate_catalog(n_products=n, seed=seed)
    except ImportError:
        catalog = None
    if catalog is not None:
        images = [None] * len(catalog)
        if image_px:
            from shopcat.sim.images import render_image

            leaves = catalog["true_category"] if "true_category" in catalog else catalog["category"]
            images = [jpeg_bytes(render_image(str(pid), leaf, image_px, seed))
                      for pid, leaf in zip(catalog["product_id"], leaves, strict=True)]
        return [product_message(str(r.product_id), str(r.title), str(r.mall_category or ""), image)
                for r, image in zip(catalog.itertuples(), images, strict=True)]
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(5000)]
    malls = ["디지털/가전>MP3", "패션의류>여성의류>원피스", "식품>과자", ""]
    return [product_message(f"p{i:08d}", " ".join(rng.choice(words, size=rng.integers(4, 16))),
                            malls[i % len(malls)]) for i in range(n)]


def catalog_messages(path: str) -> list[bytes]:
    from shopcat.data.schema import read_catalog

    catalog = read_catalog(path)
    return [product_message(str(r.product_id), str(r.title), str(r.mall_category or ""))
            for r in catalog.itertuples()]


def make_producer(bootstrap: str):
    from confluent_kafka import Producer

    return Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "batch.num.messages": 10000,
                     "message.max.bytes": MAX_MESSAGE_BYTES, "queue.buffering.max.messages": 200000})


def produce_messages(bootstrap: str, topic: str, values, keys=None) -> int:
    """Produce every value and wait until the broker has them all; returns how many failed."""
    producer = make_producer(bootstrap)
    failed = 0

    def on_delivery(error, message):
        nonlocal failed
        failed += error is not None

    for i, value in enumerate(values):
        key = keys[i] if keys is not None else None
        while True:
            try:
                producer.produce(topic, value=value, key=key, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.05)
        if i % 1000 == 0:
            producer.poll(0)
    producer.flush(60)
    return failed


def read_topic(bootstrap: str, topic: str, expect: int, timeout: float = 60.0, group: str | None = None) -> list:
    """Read a topic from the start until `expect` messages came or `timeout` passed; returns the values."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group or f"reader-{time.time_ns()}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "session.timeout.ms": 6000, "max.partition.fetch.bytes": MAX_MESSAGE_BYTES})
    consumer.subscribe([topic])
    values, deadline = [], time.monotonic() + timeout
    try:
        while len(values) < expect and time.monotonic() < deadline:
            for message in consumer.consume(10000, 0.5):
                if not message.error():
                    values.append(message.value())
    finally:
        consumer.close()
    return values


def cli_produce(argv: list[str]) -> int:
    """`shopcat produce --bootstrap HOST:PORT --topic T --catalog FILE|sim [--n N]`."""
    parser = argparse.ArgumentParser(prog="shopcat produce", description="Feed a topic with product messages.")
    parser.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers, HOST:PORT")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--catalog", default="sim", help="a catalog file (Parquet/CSV) or 'sim' for the simulator")
    parser.add_argument("--n", type=int, default=10000, help="how many simulated products (or the first N rows)")
    parser.add_argument("--partitions", type=int, default=4, help="partitions when the topic is created")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    values = synthetic_messages(args.n, args.seed) if args.catalog == "sim" else catalog_messages(args.catalog)
    values = values[: args.n]
    create_topics(args.bootstrap, {args.topic: args.partitions})
    start = time.monotonic()
    failed = produce_messages(args.bootstrap, args.topic, values)
    seconds = time.monotonic() - start
    print(f"produced {len(values) - failed} messages to {args.topic} in {seconds:.1f} s ({failed} failed)")
    return 1 if failed else 0
