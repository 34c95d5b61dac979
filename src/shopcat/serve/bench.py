"""Serving throughput: the naive loop, the pipeline, and the raw model ceiling, on the same messages.

naive loop   one process: consume one message, preprocess, predict a batch of one, produce, wait for the
             broker's ack, commit; the textbook at-least-once loop.
pipeline     shopcat.serve.pipeline with a given ServeConfig.
ceiling      the model alone: batched forward passes on tensors made beforehand, no broker, no processes.
Both runs on the broker are timed from the first message read to the last result acknowledged, so the
consumer group's join (a few seconds) is not counted.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

import numpy as np

from shopcat import config
from shopcat.serve.broker import running_broker
from shopcat.serve.feed import produce_messages, synthetic_messages
from shopcat.serve.pipeline import (
    Pipeline,
    ServeConfig,
    Unusable,
    dead_letter,
    prediction_record,
    preprocess_message,
    wait_for,
)
from shopcat.serve.stand_in import load_predictor, make_stand_in
from shopcat.serve.transport import Transport, create_topics, make_sink, make_source

DEFAULT_MODEL = config.MODELS_DIR / "text" / "latest"


def fresh_topics(cfg: ServeConfig, bootstrap: str, partitions: int) -> ServeConfig:
    """New topic and group names for one run, so runs on the same broker never see each other's messages."""
    run = uuid.uuid4().hex[:8]
    cfg = replace(cfg, in_topic=f"products-{run}", out_topic=f"predictions-{run}",
                  dead_letter_topic=f"dead-letter-{run}", group=f"serve-{run}")
    create_topics(bootstrap, {cfg.in_topic: partitions, cfg.out_topic: partitions, cfg.dead_letter_topic: 1})
    return cfg


def percentiles_ms(latencies: np.ndarray) -> dict:
    if len(latencies) == 0:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    p50, p95, p99 = np.percentile(latencies * 1000, [50, 95, 99])
    return {"p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99)}


def load_average() -> float:
    return os.getloadavg()[0]


def run_naive(bootstrap: str, model_path, values: list[bytes], cfg: ServeConfig | None = None,
              predict: bool = True, timeout: float = 600) -> dict:
    """The naive loop in this process on its own topics; msg/s and latency percentiles."""
    cfg = fresh_topics(cfg or ServeConfig(), bootstrap, partitions=1)
    produce_messages(bootstrap, cfg.in_topic, values)
    transport = Transport(bootstrap)
    predictor = load_predictor(model_path, config.device(cfg.device))
    version = str(getattr(predictor, "version", "unknown"))
    source, sink = make_source(transport, cfg.in_topic, cfg.group), make_sink(transport)
    latencies, done, first = [], 0, None
    deadline = time.monotonic() + timeout
    while done < len(values) and time.monotonic() < deadline:
        for record in source.poll(1, 0.1):
            first = first or time.monotonic()
            t = time.time()
            try:
                product_id, features = preprocess_message(predictor, record.value, cfg.max_title_chars)
                if predict:
                    probs = predictor.forward(predictor.collate([features]))
                    top = predictor.topk(probs, cfg.top_k)[0]
                    value = prediction_record(product_id, top, version, record.partition, record.offset)
                    sink.produce(cfg.out_topic, product_id, value, lambda error: None)
            except Unusable as error:
                sink.produce(cfg.dead_letter_topic, None,
                             dead_letter(record.value, str(error), cfg.in_topic, record.partition, record.offset),
                             lambda error: None)
            sink.flush()
            source.commit({record.partition: record.offset + 1})
            latencies.append(time.time() - t)
            done += 1
    seconds = time.monotonic() - (first or deadline)
    source.close()
    sink.close()
    return {"mode": "naive", "messages": done, "seconds": seconds, "msg_per_s": done / seconds,
            **percentiles_ms(np.asarray(latencies)), "load_avg": load_average()}


def run_pipeline(bootstrap: str | None, model_path, values: list[bytes], cfg: ServeConfig,
                 timeout: float = 600) -> dict:
    """The pipeline with `cfg` on its own topics (or in-process queues when bootstrap is None)."""
    if bootstrap:
        cfg = fresh_topics(cfg, bootstrap, partitions=max(4, cfg.consumers))
        transport = Transport(bootstrap)
    else:
        import multiprocessing as mp

        ctx = mp.get_context("forkserver")
        transport = Transport(queues={t: ctx.Queue() for t in (cfg.in_topic, cfg.out_topic, cfg.dead_letter_topic)})
    pipe = Pipeline(model_path, transport, cfg).start()
    try:
        deadline = time.monotonic() + 120
        while not pipe.ready() and time.monotonic() < deadline:  # group joined: no rebalance mid-measurement
            time.sleep(0.1)
        if bootstrap:
            produce_messages(bootstrap, cfg.in_topic, values)
        else:
            for value in values:
                transport.queues[cfg.in_topic].put(value)
        result = wait_for(pipe, len(values), timeout)
    finally:
        pipe.stop()
    latencies = np.concatenate(pipe.latencies) if pipe.latencies else np.zeros(0)
    mode = "preprocess only" if not cfg.predict else "pipeline"
    return {"mode": mode, "queue_mode": cfg.queue_mode, "consumers": cfg.consumers,
            "preprocessors": cfg.preprocessors, "max_batch": cfg.max_batch, "max_wait_ms": cfg.max_wait_ms,
            "messages": len(values), **result, **percentiles_ms(latencies), "restarts": pipe.restarts,
            "load_avg": load_average()}


def usable_features(predictor, values: list[bytes], max_title_chars: int) -> list:
    """The model inputs of every message that can be served (the dead-letter ones left out)."""
    features = []
    for value in values:
        try:
            features.append(preprocess_message(predictor, value, max_title_chars)[1])
        except Unusable:
            pass
    return features


def model_ceiling(model_path, values: list[bytes], batch_size: int, threads: int | None = None,
                  device: str = "auto", max_title_chars: int = 2000, warmup: int = 2) -> dict:
    """Messages/s of the model alone: forward passes over batches made beforehand.

    After `warmup` untimed batches each batch is timed alone; the figure is the median batch's rate, with
    the quartiles beside it, so one slow batch on a shared machine does not set it. threads=None tries one
    torch thread and every core and keeps the faster, so the ceiling is the best this machine does, whatever
    thread count the pipeline's classifier was given.
    """
    import torch

    predictor = load_predictor(model_path, config.device(device))
    features = usable_features(predictor, values, max_title_chars)
    batches = [predictor.collate(features[i:i + batch_size]) for i in range(0, len(features), batch_size)]
    sizes = [len(features[i:i + batch_size]) for i in range(0, len(features), batch_size)]
    best = None
    for n in [threads] if threads else sorted({1, os.cpu_count() or 1}):
        torch.set_num_threads(n)
        for batch in (batches * warmup)[:warmup]:
            predictor.forward(batch)
        rates = []
        for batch, size in zip(batches, sizes, strict=True):
            start = time.perf_counter()
            predictor.forward(batch)
            rates.append(size / (time.perf_counter() - start))
        q25, median, q75 = np.percentile(rates, [25, 50, 75])
        if best is None or median > best[1]:
            best = (n, float(median), float(q25), float(q75), len(rates))
    torch.set_num_threads(os.cpu_count() or 1)
    threads, median, q25, q75, n_batches = best
    return {"mode": "ceiling", "batch_size": batch_size, "threads": threads, "messages": len(features),
            "batches": n_batches, "msg_per_s": median, "msg_per_s_q25": q25, "msg_per_s_q75": q75,
            "load_avg": load_average()}


def cpu_budget(model_path, values: list[bytes], batch_size: int, max_title_chars: int = 2000) -> dict:
    """CPU time per message of preprocessing and of the model, each alone in this process, and what they imply.

    On a machine whose cores run both the preprocessing and the model, a perfect pipeline (no broker, no
    queues) makes at most cores / (preprocess + model on one core) messages/s, while the ceiling runs the model
    alone on every core. Their ratio bounds the pipeline's efficiency from above before any overhead; on a GPU
    the model's share moves off the CPU and the bound disappears.
    """
    import torch

    predictor = load_predictor(model_path, "cpu")
    half = len(values) // 2
    usable_features(predictor, values[:half], max_title_chars)  # warm the tokenizer cache like a long-running worker
    start = time.process_time()
    features = usable_features(predictor, values[half:], max_title_chars)
    preprocess_s = (time.process_time() - start) / max(1, len(values) - half)
    batches = [predictor.collate(features[i:i + batch_size]) for i in range(0, len(features), batch_size)]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        predictor.forward(batches[0])
        start = time.perf_counter()  # one thread: wall time is its CPU time
        for batch in batches:
            predictor.topk(predictor.forward(batch), 3)
        model_s = (time.perf_counter() - start) / len(features)
    finally:
        torch.set_num_threads(threads)
    cores = os.cpu_count() or 1
    return {"preprocess_us": preprocess_s * 1e6, "model_1thread_us": model_s * 1e6, "cores": cores,
            "perfect_pipeline_msg_per_s": cores / (preprocess_s + model_s), "batch_size": batch_size}


def compare(bootstrap: str, model_path, values: list[bytes], cfg: ServeConfig, naive_messages: int) -> dict:
    """Naive loop, the pipeline with `cfg` and the model ceiling at cfg.max_batch, on the same messages."""
    naive = run_naive(bootstrap, model_path, values[:naive_messages], cfg)
    best = run_pipeline(bootstrap, model_path, values, cfg)
    ceiling = model_ceiling(model_path, values, cfg.max_batch)
    return {"naive": naive, "pipeline": best, "ceiling": ceiling,
            "speed_up_vs_naive": best["msg_per_s"] / naive["msg_per_s"],
            "efficiency_vs_ceiling": best["msg_per_s"] / ceiling["msg_per_s"]}


def needs_images(model_path) -> bool:
    """Whether the model has an image branch, so its test messages should carry images."""
    return bool(getattr(load_predictor(model_path, "cpu"), "image_size", None))


def resolve_model(path: str | None, workdir: str, seed: int = 0) -> tuple[str, str]:
    """(model folder, description): the given one ('stand-in' for the untrained stand-in), else notebook 01's
    saved text model, else a default-size TextCNN trained for one epoch on simulated data here."""
    if path == "stand-in":
        return str(make_stand_in(Path(workdir) / "stand-in")), "stand-in model (untrained hashed TextCNN)"
    if path:
        return path, f"model {path}"
    from shopcat.models.saved import has_model

    if has_model(DEFAULT_MODEL):
        return str(DEFAULT_MODEL), f"text model {DEFAULT_MODEL} (notebook 01)"
    from shopcat.serve.quick_model import train_quick_text_model

    folder = train_quick_text_model(Path(workdir) / "quick-text", seed=seed)
    return str(folder), "TextCNN trained here for 1 epoch on 3,000 simulated products (no models/text/latest)"


def cli_bench_serve(argv: list[str]) -> int:
    """`shopcat bench serve [--messages N]`: naive loop vs pipeline vs model ceiling on a local broker."""
    parser = argparse.ArgumentParser(prog="shopcat bench serve", description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--naive-messages", type=int, default=None, help="default: messages / 10")
    parser.add_argument("--model", default=None, help="a saved model folder, or 'stand-in' (default: models/text/latest, else "
                        "a TextCNN trained here briefly)")
    parser.add_argument("--consumers", type=int, default=2)
    parser.add_argument("--preprocessors", type=int, default=2)
    parser.add_argument("--queue-mode", choices=("shared", "multi"), default="multi")
    parser.add_argument("--max-batch", type=int, default=256)
    parser.add_argument("--max-wait-ms", type=float, default=20.0)
    parser.add_argument("--classifier-threads", type=int, default=None, help="torch threads (default: all cores)")
    parser.add_argument("--image-px", type=int, default=128,
                        help="size of the JPEG each message carries when the model has an image branch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(config.REPORTS_DIR / "benchmarks" / "serve.json"))
    args = parser.parse_args(argv)
    cfg = ServeConfig(consumers=args.consumers, preprocessors=args.preprocessors, queue_mode=args.queue_mode,
                      max_batch=args.max_batch, max_wait_ms=args.max_wait_ms,
                      classifier_threads=args.classifier_threads)
    n_naive = args.naive_messages or max(200, args.messages // 10)
    load_before = load_average()
    with tempfile.TemporaryDirectory() as workdir, running_broker() as broker:
        model_path, model_text = resolve_model(args.model, workdir)
        image_px = args.image_px if needs_images(model_path) else None
        values = synthetic_messages(args.messages, seed=args.seed, image_px=image_px)
        print(f"broker {broker.bootstrap} (pid {broker.pid}); {model_text}; "
              f"{'messages with ' + str(image_px) + ' px JPEGs' if image_px else 'text messages'}; "
              f"load average {load_before:.1f}")
        result = compare(broker.bootstrap, model_path, values, cfg, n_naive)
        naive, best, ceiling = result["naive"], result["pipeline"], result["ceiling"]
        print(f"naive loop:        {naive['msg_per_s']:9.1f} msg/s  ({naive['messages']} messages)")
        print(f"pipeline:          {best['msg_per_s']:9.1f} msg/s  ({best['messages']} messages, "
              f"{cfg.consumers} consumers, {cfg.preprocessors} preprocessors, {cfg.queue_mode} queues, "
              f"batch {cfg.max_batch}, p50 {best['p50_ms']:.0f} ms, p99 {best['p99_ms']:.0f} ms)")
        print(f"model ceiling:     {ceiling['msg_per_s']:9.1f} msg/s  (batch {cfg.max_batch}, forward only)")
        budget = cpu_budget(model_path, values[: min(len(values), 4000)], cfg.max_batch)
    print(f"CPU per message: preprocess {budget['preprocess_us']:.0f} us, model {budget['model_1thread_us']:.0f} us "
          f"on one thread: a perfect pipeline on {budget['cores']} cores would make "
          f"{budget['perfect_pipeline_msg_per_s']:.0f} msg/s")
    print(f"speed-up vs naive: {result['speed_up_vs_naive']:.1f}x")
    print(f"efficiency vs ceiling: {result['efficiency_vs_ceiling']:.0%}")
    load_after = load_average()
    print(f"load average before/after: {load_before:.1f}/{load_after:.1f} on {os.cpu_count()} cores")
    record = {"model": model_text, "image_px": image_px, **result, "cpu_budget": budget,
              "targets": {"speed_up_vs_naive": 10.0, "efficiency_vs_ceiling": 0.8},
              "load_avg_before": load_before, "load_avg_after": load_after, "device": str(config.device(cfg.device))}
    from shopcat.reproduce.report import write_benchmark

    print(f"wrote {write_benchmark(args.out, record)}")
    return 0
