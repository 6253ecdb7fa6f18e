"""Analytic rules for double entry: the key computed from the formula, compared with torch's.

Each rule takes the variant's context (params plus computed values) and returns the
expected answer text, or a float for numeric keys (compared unrounded, within 1e-6), or None
when the rule does not cover this variant.
"""
from torchquiz.record.answers import format_shape

from .metric_rules import (confusion_metric, meets_requirement, regression_error, threshold_metric,
                           threshold_tradeoff)


def recurrent_shape(ctx):
    """Shape of `output`, `h_n` or `c_n` of nn.RNN/GRU/LSTM from the documented formulas."""
    directions = 2 if ctx.get("bidirectional") else 1
    layers = ctx.get("num_layers", 1)
    hidden = ctx["hidden_size"]
    proj = ctx.get("proj_size", 0) or 0
    out_size = proj if proj else hidden
    batch, seq = ctx.get("batch"), ctx["seq_len"]
    unbatched = ctx.get("unbatched", False)
    ask = ctx.get("ask", "output")
    if ask == "output":
        if unbatched:
            shape = (seq, directions * out_size)
        elif ctx.get("batch_first"):
            shape = (batch, seq, directions * out_size)
        else:
            shape = (seq, batch, directions * out_size)
    elif ask in ("h_n", "c_n"):
        last = out_size if ask == "h_n" else hidden
        shape = (directions * layers, last) if unbatched else (directions * layers, batch, last)
    else:
        return None
    return format_shape(shape)


def packing_result(ctx):
    """What the packing snippet prints for `ask`: batch_sizes, packed.data's shape or the padded shape."""
    lengths, features = ctx["lengths"], ctx["features"]
    ask = ctx.get("ask")
    if ask == "batch_sizes":
        return "[" + ", ".join(str(sum(1 for n in lengths if n > t)) for t in range(max(lengths))) + "]"
    if ask == "data_shape":
        return format_shape((sum(lengths), features))
    if ask == "padded_shape":
        batch, steps = len(lengths), max(lengths)
        return format_shape((batch, steps, features) if ctx.get("batch_first") else (steps, batch, features))
    return None


def recurrent_param_count(ctx):
    """Learnable parameters of nn.RNN/GRU/LSTM: gates x (input + hidden + biases) per layer and direction."""
    gates = {"RNN": 1, "GRU": 3, "LSTM": 4}[ctx["layer"]]
    hidden, proj = ctx["hidden_size"], ctx.get("proj_size", 0) or 0
    out_size = proj or hidden
    directions = 2 if ctx.get("bidirectional") else 1
    bias = ctx.get("bias", True)
    total = 0
    for layer in range(ctx.get("num_layers", 1)):
        in_size = ctx["input_size"] if layer == 0 else out_size * directions
        per_direction = gates * hidden * (in_size + out_size) + (2 * gates * hidden if bias else 0)
        if proj:
            per_direction += proj * hidden
        total += per_direction * directions
    return str(total)


def documented_equivalence(ctx):
    """A probe template whose own option is the documented equivalence (e.g. h_n[-1] == output[0, :, H:]
    for the backward direction): torch must print True for it, or the template's picture is wrong."""
    return "True"


def pipeline_shape(ctx):
    """Shape at a stage of input -> recurrent layer -> last state -> Linear: output and h_n as above,
    the last state (batch, num_directions * hidden_size), the logits (batch, num_classes)."""
    directions = 2 if ctx.get("bidirectional") else 1
    ask = ctx.get("ask")
    if ask == "last":
        return format_shape((ctx["batch"], directions * ctx["hidden_size"]))
    if ask == "logits":
        return format_shape((ctx["batch"], ctx["num_classes"]))
    if ask == "input":
        return format_shape((ctx["batch"], ctx["seq_len"], ctx["input_size"]) if ctx.get("batch_first")
                            else (ctx["seq_len"], ctx["batch"], ctx["input_size"]))
    return recurrent_shape(ctx)


def pad_packed_result(ctx):
    """What pad_packed_sequence(..., total_length=T) does: ValueError below the longest length, else the padded shape."""
    lengths, total = ctx["lengths"], ctx["total_length"]
    if total < max(lengths):
        return "It raises ValueError"
    shape = (len(lengths), total, ctx["features"]) if ctx.get("batch_first") else (total, len(lengths), ctx["features"])
    return f"It runs and prints {format_shape(shape)}"


def _is_decreasing(values):
    return all(a >= b for a, b in zip(values, values[1:]))


def pack_outcome(ctx):
    """What a pack_padded_sequence snippet does: RuntimeError for unsorted lengths with enforce_sorted=True or
    a 2-D lengths tensor, else what packing_result says it prints."""
    if ctx.get("lengths_form") == "nested" or (ctx.get("enforce_sorted", True) and not _is_decreasing(ctx["lengths"])):
        return "It raises RuntimeError"
    printed = packing_result(ctx)
    return None if printed is None else f"It runs and prints {printed}"


def packing_order(ctx):
    """sorted_indices (positions by decreasing length) or its inverse unsorted_indices; None when lengths tie,
    because torch's sort does not promise an order for ties."""
    lengths = ctx["lengths"]
    if len(set(lengths)) != len(lengths):
        return None
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    if ctx.get("ask") == "sorted_indices":
        return "[" + ", ".join(map(str, order)) + "]"
    if ctx.get("ask") == "unsorted_indices":
        inverse = [0] * len(order)
        for slot, original in enumerate(order):
            inverse[original] = slot
        return "[" + ", ".join(map(str, inverse)) + "]"
    return None


def packed_run_shape(ctx):
    """Shapes around a recurrent layer run on a packed batch: h_n, packed_out.data, and the unpacked output."""
    lengths, hidden = ctx["lengths"], ctx["hidden_size"]
    directions = 2 if ctx.get("bidirectional") else 1
    ask = ctx.get("ask")
    if ask == "h_n":
        return format_shape((ctx.get("num_layers", 1) * directions, len(lengths), hidden))
    if ask == "data_shape":
        return format_shape((sum(lengths), directions * hidden))
    if ask == "output":
        steps, batch = max(lengths), len(lengths)
        return format_shape((batch, steps, directions * hidden) if ctx.get("unpack_batch_first")
                            else (steps, batch, directions * hidden))
    return None


def attention_shape(ctx):
    """nn.MultiheadAttention: attn_output is (L, N, E), or (N, L, E) with batch_first; the weights ignore
    batch_first: (N, L, S) averaged over heads (the default), (N, num_heads, L, S) with average_attn_weights=False,
    None with need_weights=False. Unbatched (2-D) input drops N."""
    embed, heads, target = ctx["embed_dim"], ctx["num_heads"], ctx["seq_len"]
    batch = ctx.get("batch")
    source = ctx["src_len"] if ctx.get("cross", True) and "src_len" in ctx else target  # self-attention: S = L
    unbatched = ctx.get("unbatched", False)
    ask = ctx.get("ask", "output")
    if ask == "output":
        if unbatched:
            return format_shape((target, embed))
        return format_shape((batch, target, embed) if ctx.get("batch_first") else (target, batch, embed))
    if ask == "weights":
        if not ctx.get("need_weights", True):
            return "None"
        lead = () if unbatched else (batch,)
        per_head = () if ctx.get("average", True) else (heads,)
        return format_shape(lead + per_head + (target, source))
    return None


def mha_param_count(ctx):
    """nn.MultiheadAttention(E, H, bias, add_bias_kv, kdim, vdim): the q, k, v projections (E x E, E x kdim,
    E x vdim; one packed 3E x E in_proj_weight when kdim = vdim = E), in_proj_bias 3E and out_proj E x E + E
    when bias, and bias_k, bias_v of E each with add_bias_kv. num_heads never enters: heads split E."""
    embed = ctx["embed_dim"]
    kdim, vdim = ctx.get("kdim") or embed, ctx.get("vdim") or embed
    bias = ctx.get("bias", True)
    total = embed * (embed + kdim + vdim) + embed * embed
    if bias:
        total += 3 * embed + embed
    if ctx.get("add_bias_kv"):
        total += 2 * embed
    return str(total)


def encoder_layer_param_count(ctx):
    """nn.TransformerEncoderLayer(d, H, F): self-attention (4d^2 + 4d), linear1 (F x d + F), linear2 (d x F + d)
    and two LayerNorms (2d each); bias=False drops every bias, LayerNorm's included (d each left). An
    nn.TransformerEncoder of num_layers deep-copies the layer, so the count multiplies."""
    d, ff = ctx["d_model"], ctx.get("dim_feedforward") or 2048
    bias = ctx.get("bias", True)
    attention = 4 * d * d + (4 * d if bias else 0)
    feedforward = 2 * d * ff + ((ff + d) if bias else 0)
    norms = 2 * (2 * d if bias else d)
    return str((attention + feedforward + norms) * (ctx.get("num_layers", 1) or 1))


def conv1d_length(ctx):
    """nn.Conv1d's L_out = floor((L + 2p - d(k - 1) - 1) / s) + 1; with ask='shape', (N, C_out, L_out)."""
    length, pad = ctx["seq_len"], ctx.get("padding", 0)
    kernel, stride, dilation = ctx["kernel_size"], ctx.get("stride", 1), ctx.get("dilation", 1)
    out = (length + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1
    if out < 1:
        return None  # torch raises; the template does not ask for a length then
    if ctx.get("ask", "shape") == "length":
        return str(out)
    if ctx.get("ask", "shape") == "shape":
        return format_shape((ctx["batch"], ctx["out_channels"], out))
    return None


def padding_mask_count(ctx):
    """Keys that get a non-zero weight under key_padding_mask = arange(S) >= lengths: the sequence's length."""
    return str(ctx["length"]) if ctx.get("mask_use", "as_written") == "as_written" else None


def causal_mask_count(ctx):
    """Keys query t attends to under a causal mask (generate_square_subsequent_mask or a boolean triu mask,
    True = blocked): t + 1. A boolean tril (a keep-mask passed where True means blocked) leaves L - 1 - t."""
    kind = ctx.get("mask_kind")
    if kind in ("subsequent", "bool_triu"):
        return str(ctx["t"] + 1)
    if kind == "bool_tril":
        return str(ctx["seq_len"] - 1 - ctx["t"])
    return None


def attention_pipeline_shape(ctx):
    """Recurrent layer (batch_first) -> self-attention -> mean over time -> Linear: (N, L, D*H) twice, the
    head-averaged weights (N, L, L), the pooled (N, D*H) and the logits (N, C)."""
    batch, seq = ctx["batch"], ctx["seq_len"]
    width = (2 if ctx.get("bidirectional") else 1) * ctx["hidden_size"]
    shapes = {"rnn_out": (batch, seq, width), "output": (batch, seq, width), "weights": (batch, seq, seq),
              "last": (batch, width), "logits": (batch, ctx["num_classes"])}
    shape = shapes.get(ctx.get("ask"))
    return None if shape is None else format_shape(shape)


def embedding_gradient_rows(ctx):
    """Rows of an embedding table with a non-zero gradient after a lookup: the distinct ids read, less padding_idx
    (its gradient is always zero)."""
    ids = set(ctx["ids_a"]) | set(ctx["ids_b"])
    return str(len(ids - {ctx["padding_idx"]}))


def embedding_pipeline_shape(ctx):
    """Token ids (N, L) -> Embedding (N, L, D) -> recurrent layer (batch_first) -> h_n[-1] -> Linear."""
    batch, seq, hidden = ctx["batch"], ctx["seq_len"], ctx["hidden_size"]
    shapes = {"embedded": (batch, seq, ctx["embedding_dim"]), "output": (batch, seq, hidden),
              "h_n": (ctx.get("num_layers", 1), batch, hidden), "last": (batch, hidden),
              "logits": (batch, ctx["num_classes"])}
    shape = shapes.get(ctx.get("ask"))
    return None if shape is None else format_shape(shape)


def sequence_preserving_shape(ctx):
    """Transformer encoder layers (and stacks of them) return the input's shape: (L, N, E) or (N, L, E)."""
    if ctx.get("ask", "output") != "output":
        return None
    embed, batch, seq = ctx["d_model"], ctx["batch"], ctx["seq_len"]
    return format_shape((batch, seq, embed) if ctx.get("batch_first") else (seq, batch, embed))


def embedding_shape(ctx):
    """nn.Embedding maps an index tensor of any shape to that shape + (embedding_dim,): (N, L) -> (N, L, D),
    and (N, groups, L) -> (N, groups, L, D) when the indices are nested."""
    if ctx.get("ask", "output") != "output":
        return None
    dims = (ctx["batch"], ctx["groups"], ctx["seq_len"]) if ctx.get("nested") else (ctx["batch"], ctx["seq_len"])
    return format_shape(dims + (ctx["embedding_dim"],))


RULES = {
    "recurrent_shape": recurrent_shape,
    "packing_result": packing_result,
    "confusion_metric": confusion_metric,
    "recurrent_param_count": recurrent_param_count,
    "documented_equivalence": documented_equivalence,
    "pipeline_shape": pipeline_shape,
    "pad_packed_result": pad_packed_result,
    "pack_outcome": pack_outcome,
    "packing_order": packing_order,
    "packed_run_shape": packed_run_shape,
    "threshold_metric": threshold_metric,
    "threshold_tradeoff": threshold_tradeoff,
    "regression_error": regression_error,
    "meets_requirement": meets_requirement,
    "attention_shape": attention_shape,
    "mha_param_count": mha_param_count,
    "encoder_layer_param_count": encoder_layer_param_count,
    "conv1d_length": conv1d_length,
    "attention_pipeline_shape": attention_pipeline_shape,
    "padding_mask_count": padding_mask_count,
    "causal_mask_count": causal_mask_count,
    "sequence_preserving_shape": sequence_preserving_shape,
    "embedding_shape": embedding_shape,
    "embedding_pipeline_shape": embedding_pipeline_shape,
    "embedding_gradient_rows": embedding_gradient_rows,
}
