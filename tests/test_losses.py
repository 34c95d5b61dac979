"""The training loop's per-sample losses: softmax cross-entropy and the one-vs-rest losses."""

import pytest
import torch

from shopcat.train.loop import per_sample_loss


def test_ovr_hinge_is_zero_beyond_the_margin_and_squared_inside():
    labels = torch.tensor([0, 2])
    clear = torch.tensor([[1.5, -1.0, -2.0], [-1.0, -1.0, 1.0]])
    assert per_sample_loss(clear, labels, "ovr_hinge").tolist() == [0.0, 0.0]
    close = torch.tensor([[0.5, 0.0, -1.0], [0.0, 0.0, 0.0]])
    assert per_sample_loss(close, labels, "ovr_hinge").tolist() == pytest.approx([0.25 + 1.0, 3.0])


def test_softmax_loss_is_cross_entropy_and_unknown_losses_fail():
    logits, labels = torch.randn(4, 3), torch.tensor([0, 1, 2, 0])
    expected = torch.nn.functional.cross_entropy(logits, labels, reduction="none")
    assert torch.allclose(per_sample_loss(logits, labels), expected)
    assert per_sample_loss(logits, labels, "ovr_logistic").shape == (4,)
    with pytest.raises(ValueError, match="loss must be one of"):
        per_sample_loss(logits, labels, "hinge")
