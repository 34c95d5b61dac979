"""The model ceiling is a median over individually timed batches after a warm-up, with its spread kept."""

from shopcat.serve.bench import model_ceiling
from shopcat.serve.feed import synthetic_messages
from shopcat.serve.stand_in import make_stand_in


def test_ceiling_reports_median_and_quartiles_of_timed_batches(tmp_path):
    model = make_stand_in(tmp_path / "stand-in", n_labels=20)
    figures = model_ceiling(str(model), synthetic_messages(130, seed=0), batch_size=32, threads=1)
    assert figures["batches"] == 5  # 130 messages in batches of 32: every batch timed, the last one short
    assert figures["msg_per_s_q25"] <= figures["msg_per_s"] <= figures["msg_per_s_q75"]
    assert figures["messages"] == 130 and figures["threads"] == 1
