"""YAML loading that remembers the line of every key, so errors can say `file:line`."""
import re
from pathlib import Path

import yaml

from .errors import Problem, TemplateError

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ten times faster


def _walk(node, path, lines, repeated):
    """Record every key's line in `lines`; a key given twice in one mapping goes to `repeated` as
    (key path, its line, the first one's line): YAML keeps the later silently, so a pasted second
    `hint:` or `layer:` would replace the first without a word."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        first = {}
        for key_node, value_node in node.value:
            key, line = key_node.value, key_node.start_mark.line + 1
            if key in first:
                repeated.append((path + (key,), line, first[key]))
            first.setdefault(key, line)
            _walk(value_node, path + (key,), lines, repeated)
            lines[path + (key,)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), lines, repeated)


def load_yaml(text, filename):
    """Parse `text` and return (data, lines): lines maps a key path tuple to its 1-based line.

    A syntax error becomes a TemplateError carrying the line PyYAML reports; so does every key given
    twice in one mapping, at the second's line.
    """
    loader = LOADER(text)
    try:
        node = loader.get_single_node()  # one parse gives both the data and every key's line
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = _tab_problem(text, mark, str(exc.problem)) or f"invalid YAML: {exc.problem}"
        raise TemplateError([Problem(filename, line, "", message)]) from None
    finally:
        loader.dispose()
    lines, repeated = {}, []
    if node is not None:
        _walk(node, (), lines, repeated)
    if repeated:
        raise TemplateError([Problem(filename, line, ".".join(map(str, key)), f"duplicate key (first on line {first})")
                             for key, line, first in repeated])
    return data, lines


def _tab_problem(text, mark, problem):
    """A plain account of the error YAML gives for a tab where it needs spaces ("found character '\\t'
    that cannot start any token", or libyaml's "found character that cannot start any token", which
    does not even name the tab), or None when the error is about something else."""
    if mark is None or not ("tab" in problem or "cannot start any token" in problem):
        return None
    rows = re.split("\r\n|[\r\n\x85\u2028\u2029]", text)  # the line breaks YAML counts
    row = rows[mark.line] if mark.line < len(rows) else ""
    indent = row[:len(row) - len(row.lstrip(" \t"))]
    if "\t" in indent:
        column = indent.index("\t") + 1
        return (f"a tab character in the indentation (column {column}): YAML indents with spaces only, "
                "code blocks included; replace the tab with spaces")
    if row[mark.column:mark.column + 1] == "\t":
        return (f"a tab character at column {mark.column + 1}, where YAML needs spaces; "
                "replace the tab with spaces")
    return None


def load_yaml_file(path):
    """(data, lines, raw bytes) of a YAML file, as `load_yaml`; a file that is not UTF-8 is a
    TemplateError naming its line, for templates and catalogues alike."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TemplateError([Problem(path, raw[:exc.start].count(b"\n") + 1, "",
                                     f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")]) from None
    return (*load_yaml(text, str(path)), raw)


def line_of(lines, path):
    """The line of `path`, or of its nearest enclosing key that has one."""
    path = tuple(path)
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)
