"""The record's text markup: plain text with Markdown inline code and emphasis (see the schema's
`stem`). Defined once here, so the terminal and every export read the same spans."""
import re

CODE_SPAN = re.compile(r"`([^`\n]+)`")
STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
# Single * or _ emphasis must hug its text and not sit inside a word, so that
# `batch_first` and `2 * 3 * 4` stay as they are.
EM_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
EM_UNDERSCORE = re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])")
