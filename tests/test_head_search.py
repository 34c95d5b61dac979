"""The fcl_dim study: it resumes from its SQLite file, its sampler is seeded, and it reports every epoch."""

import pytest

from shopcat.models import head_search as hs
from shopcat.models.train import catalog_images
from shopcat.sim import simulate_catalog
from shopcat.text import experiments as ex
from shopcat.text.tokenizer import Tokenizer

TINY = dict(n_maps=8, title_len=12, mall_len=6, branch_dim=16, image_channels=(16, 32, 64))
STUDY = dict(space={"embed_dim": (8, 16)}, fusion_epochs=3, epochs=1, image_epochs=1, num_threads=1, **TINY)


@pytest.fixture(scope="module")
def catalog():
    df = simulate_catalog(1200, seed=0).reset_index(drop=True)
    df, tokens = ex.prepare_corpus(df, Tokenizer(kind="whitespace"))
    images, has_image = catalog_images(df, 24, seed=0, cache=False)
    return df, tokens, ex.split_corpus(df, tokens, seed=0), images, has_image


def test_a_rerun_with_more_trials_continues_the_same_study(catalog, tmp_path):
    df, _, corpus, images, has_image = catalog
    first = hs.run_study(corpus, df, images, has_image, n_trials=3, seed=0, directory=tmp_path, **STUDY)
    first_params = [t.params for t in hs.finished(first["study"])]
    second = hs.run_study(corpus, df, images, has_image, n_trials=5, seed=0, directory=tmp_path, **STUDY)
    again = hs.run_study(corpus, df, images, has_image, n_trials=5, seed=0, directory=tmp_path, **STUDY)
    assert first["path"] == second["path"] and first["path"].parent == tmp_path and first["path"].is_file()
    assert (first["new_trials"], second["new_trials"], again["new_trials"]) == (3, 2, 0)
    trials = hs.finished(again["study"])
    assert len(trials) == 5
    assert [t.params for t in trials[:3]] == first_params
    # the resumed sampler is reseeded past the stored trials: no repeat of the first run's draws
    assert len({tuple(sorted(t.params.items())) for t in trials}) == 5
    # validation accuracy reaches the pruner after every epoch the head trained
    assert all(sorted(t.intermediate_values) == list(range(1, len(t.intermediate_values) + 1))
               and t.intermediate_values for t in trials)


def test_the_sampler_is_seeded(catalog, tmp_path):
    df, _, corpus, images, has_image = catalog
    runs = [hs.run_study(corpus, df, images, has_image, n_trials=1, seed=seed, directory=tmp_path / folder, **STUDY)
            for seed, folder in ((7, "a"), (7, "b"), (8, "c"))]
    first = [run["study"].trials[0].params for run in runs]
    assert first[0] == first[1]
    assert first[0] != first[2]


def test_another_catalog_or_setting_opens_another_study(catalog):
    df = catalog[0]
    fixed = {"split_seed": 0, "fields": TINY}
    assert hs.study_name(df, fixed) == hs.study_name(df.copy(), fixed)
    assert hs.study_name(df, fixed) != hs.study_name(df.iloc[:-1], fixed)
    assert hs.study_name(df, fixed) != hs.study_name(df, {**fixed, "split_seed": 1})


def test_best_small_and_the_comparison_share_branches(catalog, tmp_path):
    df, tokens, corpus, images, has_image = catalog
    run = hs.run_study(corpus, df, images, has_image, n_trials=4, seed=0, directory=tmp_path, **STUDY)
    small, number = hs.best_small(run["study"], 10_000)
    assert number == run["study"].best_trial.number and small == run["study"].best_params["fcl_dim"]
    assert hs.best_small(run["study"], 1) == (1, None)  # no trial that small: the bound itself
    args = {k: v for k, v in STUDY.items() if k != "space"}
    table = hs.compare_fcl_dims(df, tokens, images, has_image, arms={"small": 16, "large": 256},
                                params={**run["study"].best_params, "embed_dim": 8}, seeds=[0], **args)
    assert list(table["system"]) == ["fcl_dim 16", "fcl_dim 256"]
    assert table["branch_seconds"].nunique() == 1  # both heads read the same frozen branches
    assert table["leaf"].between(0, 1).all()
