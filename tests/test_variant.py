"""generator/variant.py: how one variant's options are built."""
from torchquiz.generator.catalogue import load_misconceptions
from torchquiz.generator.snippets import CachedRunner
from torchquiz.generator.templates import load_template
from torchquiz.generator.variant import build_variant

MANY_RIGHT = """\
id: concept.many_right
title: Recurrent layers
family: concept
topics: [rnn, concept]
type: multiresponse
params:
  n: {int: [1, 3]}
difficulty:
  easy: {}
stem: "Which of these are recurrent layers in torch.nn?"
hint: "Look for layers that carry a state from step to step."
solution: ["nn.RNN, nn.GRU, nn.LSTM and nn.RNNCell walk along a sequence carrying a hidden state."]
answer: curated
options:
  - {text: nn.RNN, correct: true}
  - {text: nn.GRU, correct: true}
  - {text: nn.LSTM, correct: true}
  - {text: nn.RNNCell, correct: true}
  - {text: "It reads the sequence only backward.", misconception: bidirectional_reads_backward_only}
  - {text: "It shares weights between directions.", misconception: bidirectional_halves_parameters}
  - {text: "It stacks a second layer on the first.", misconception: bidirectional_is_stacking}
  - {text: "It passes the forward state twice.", misconception: bidirectional_duplicates_forward}
"""


def test_a_curated_multiresponse_question_keeps_every_right_option(write_bank):
    """Only the first right option was kept and one wrong one drawn: every variant asked 'which of these are ...'
    with one right answer out of two, and bank validate said ok."""
    root = write_bank({"concept/many.yaml": MANY_RIGHT})
    catalogue = load_misconceptions((root,))
    template = load_template(root / "concept" / "many.yaml", catalogue)
    for seed in range(3):
        record = build_variant(template, "easy", seed, CachedRunner(), catalogue, {})
        right = sorted(o["text"] for o in record["options"] if o["correct"])
        assert right == ["nn.GRU", "nn.LSTM", "nn.RNN", "nn.RNNCell"]
        assert len(record["options"]) == 7  # and three of the four wrong ones
        for option in record["options"]:  # each right option's feedback is about itself, not the first right one
            if option["correct"]:
                assert option["text"] in option["feedback"], option