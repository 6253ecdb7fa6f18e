"""One "did you mean" for every unknown name: commands, templates, parameters, learners, keys."""
import difflib


def did_you_mean(word, choices, n=1):
    """` Did you mean 'x'?` (with a leading space) for the closest of `choices`, or '' if none is close."""
    choices = [str(c) for c in choices]
    matches = difflib.get_close_matches(str(word), choices, n=n, cutoff=0.6)
    matches = matches or [c for c in choices if c.casefold() == str(word).casefold()][:n]  # Rnn -> RNN
    if not matches:
        return ""
    return " Did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"
