"""The fused multi-task model (name + mall category + image), its two-stage training and its saved form.

fused.py: the model; train.py: stage 1 (branches alone) and stage 2 (fusion head); predictor.py:
`FusedPredictor`, which serving loads; saved.py: the one saved-model format of text and fused models and
`load_model`; tradeoff.py: image-branch accuracy against forward speed, for notebook 06's table;
head_search.py: the Optuna study over the fusion head (fcl_dim and friends) of notebook 07.
"""
