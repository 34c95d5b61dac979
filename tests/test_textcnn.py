import numpy as np
import torch

from shopcat.text.textcnn import TextClassifier, TextCNN, TextCNNConfig, make_embedding
from shopcat.train.loop import ArrayDataset, TrainConfig, fit


def tiny_task(n=240, vocab=50, k=4, length=10, seed=0):
    """Each class has its own two keywords hidden among random tokens; ids 0 (pad) and 1 (OOV) unused."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    title = rng.integers(2 + 2 * k, vocab, (n, length))
    title[np.arange(n), rng.integers(0, length, n)] = 2 + 2 * y
    title[np.arange(n), rng.integers(0, length, n)] = 3 + 2 * y
    mall = rng.integers(2, vocab, (n, 3))
    return ArrayDataset(title=title, mall=mall, label=y, idx=np.arange(n))


def test_shapes_with_and_without_mall_and_short_input():
    cfg = TextCNNConfig(vocab_size=30, n_classes=7, embed_dim=8, n_maps=5, fcl_dim=16, mall_maps=4)
    model = TextClassifier(cfg).eval()
    title, mall = torch.randint(0, 30, (3, 12)), torch.randint(0, 30, (3, 2))  # mall shorter than width 3
    assert model(title, mall).shape == (3, 7)
    name_only = TextClassifier(TextCNNConfig(vocab_size=30, n_classes=7, embed_dim=8, n_maps=5, use_mall=False))
    assert name_only(title).shape == (3, 7)
    assert TextCNN(make_embedding(30, 8), widths=(3, 4, 5), n_maps=6)(title).shape == (3, 18)


def test_embedding_init_and_freeze():
    matrix = np.random.default_rng(0).normal(size=(50, 8)).astype(np.float32)
    cfg = TextCNNConfig(vocab_size=50, n_classes=4, embed_dim=8, n_maps=8, fcl_dim=16, freeze_embedding=True)
    torch.manual_seed(0)
    model = TextClassifier(cfg, embedding=matrix)
    assert torch.allclose(model.title.embedding.weight[2:], torch.from_numpy(matrix[2:]))
    before = model.title.embedding.weight.detach().clone()
    conv_before = model.title.convs[0].weight.detach().clone()
    fit(model, tiny_task(), None, TrainConfig(epochs=2, lr=1e-2, num_threads=1, progress=False))
    assert torch.equal(model.title.embedding.weight, before)  # frozen
    assert not torch.equal(model.title.convs[0].weight, conv_before)  # the rest did learn


def test_training_reduces_loss_on_tiny_set():
    torch.manual_seed(0)
    cfg = TextCNNConfig(vocab_size=50, n_classes=4, embed_dim=16, n_maps=16, fcl_dim=32, dropout=0.2)
    result = fit(TextClassifier(cfg), tiny_task(), tiny_task(80, seed=1),
                 TrainConfig(epochs=8, lr=5e-3, batch_size=32, patience=8, num_threads=1, progress=False))
    losses = [row["train_loss"] for row in result.history]
    assert losses[-1] < 0.5 * losses[0]
    assert max(row["val_acc"] for row in result.history) > 0.8


def test_word_dropout_hides_whole_tokens_in_training_only():
    torch.manual_seed(0)
    encoder = TextCNN(make_embedding(30, 8), widths=(1, 2), n_maps=6, dropout=0.0, word_dropout=1.0)
    title = torch.randint(2, 30, (4, 9))
    padding_only = encoder(torch.zeros_like(title))
    assert torch.equal(encoder(title), padding_only)  # training: every token hidden, as if the title were empty
    encoder.eval()
    assert not torch.equal(encoder(title), encoder(torch.zeros_like(title)))  # served: every token read
    grams = torch.randint(1, 20, (4, 9, 3))
    with_grams = TextCNN(make_embedding(30, 8), widths=(1, 2), n_maps=6, dropout=0.0, word_dropout=1.0,
                         subword=torch.nn.EmbeddingBag(20, 8, mode="mean", padding_idx=0))
    assert torch.equal(with_grams(title, grams), with_grams(torch.zeros_like(title), torch.zeros_like(grams)))


def wide_model(buckets=64, k=3, l2=0.1):
    cfg = TextCNNConfig(vocab_size=10, n_classes=k, cnn=False, wide_buckets=buckets, wide_l2=l2)
    return TextClassifier(cfg)


def test_wide_idf_is_one_for_a_feature_every_product_has_and_larger_for_rare_ones():
    model = wide_model()
    bags = np.array([[5, 7, 7, 0], [5, 9, 0, 0], [5, 0, 0, 0]])  # 5 in all, 7 twice in one product, 9 once
    model.fit_idf(bags)
    idf = model.wide_idf
    assert idf[5].item() == 1.0
    assert idf[7].item() == idf[9].item() > 1.0  # document frequency: a repeat in one product counts once
    assert idf[7].item() < idf[11].item()  # a feature no product has is rarer still


def test_wide_rows_fold_ids_into_the_table_and_keep_padding():
    model = wide_model(buckets=16)
    rows = model.wide_rows(torch.tensor([[0, 1, 15, 16, 1000]]))
    assert rows[0, 0] == 0 and (rows[0, 1:] >= 1).all() and (rows < 16).all()
    assert rows[0, 1] == 1 and rows[0, 3] == 1  # ids 1 and 16 fold onto the same row (16 - 1 = 15 rows)


def test_wide_penalty_reaches_only_the_rows_the_batch_used():
    model = wide_model(buckets=32, l2=0.5)
    with torch.no_grad():
        model.wide.weight.normal_()
    model.train()
    model(bag=torch.tensor([[3, 4, 0], [4, 0, 0]]))
    penalty = model.penalty()
    expected = 0.25 * (model.wide.weight[3].pow(2).sum() + model.wide.weight[4].pow(2).sum())
    assert torch.isclose(penalty, expected)
    penalty.backward()
    grad = model.wide.weight.grad.to_dense()
    assert grad.abs().sum(1).nonzero().flatten().tolist() == [3, 4]


def test_wide_branch_alone_learns_a_keyword_task_with_the_hinge_loss():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    bag = rng.integers(10, 60, (300, 6))
    bag[:, 0] = 2 + y  # one keyword per class
    ds = ArrayDataset(bag=bag, label=y, idx=np.arange(300))
    model = wide_model(buckets=64, l2=1e-4)
    model.fit_idf(bag)
    result = fit(model, ds, ds, TrainConfig(epochs=20, lr=0.05, sparse_lr=0.1, num_threads=1, progress=False,
                                            loss="ovr_hinge", monitor="val_acc", patience=20))
    assert result.history[-1]["val_acc"] > 0.95
