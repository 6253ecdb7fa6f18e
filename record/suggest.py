"""One "did you mean" for every unknown name: commands, templates, parameters, learners, keys."""
import difflib
import os


def did_you_mean(word, choices):
    """` Did you mean 'x'?` (with a leading space) for the closest of `choices`, or '' if none is close.
    Names as close as the closest are all given (at most 3), the one sharing the longest start first:
    'ady' among ada and fay is "Did you mean 'ada' or 'fay'?" (difflib alone would pick fay, by sort order)."""
    word, choices = str(word), list(dict.fromkeys(str(c) for c in choices))

    def closeness(choice):
        matcher = difflib.SequenceMatcher(None, word, choice)
        return matcher.ratio() if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6 else 0.0

    scored = sorted(((closeness(c), len(os.path.commonprefix([word, c])), c) for c in choices),
                    key=lambda t: (-t[0], -t[1], t[2]))
    close = [t for t in scored if t[0] >= 0.6]
    matches = [c for score, _, c in close if score == close[0][0]][:3] if close else []
    matches = matches or [c for c in choices if c.casefold() == word.casefold()][:1]  # Rnn -> RNN
    if not matches:
        return ""
    return " Did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"
