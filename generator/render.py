"""Jinja rendering with StrictUndefined: a name a template forgot is an error, never blank text."""
import functools

import jinja2

from torchquiz.record.wording import counted

ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,
)
ENV.globals.update(zip=zip, len=len, range=range, sum=sum, min=min, max=max, round=round,
                   sorted=sorted, enumerate=enumerate, abs=abs, int=int, float=float, str=str)
# `{{ n | counted("real step") }}` is "1 real step" or "3 real steps" (record/wording.py, the one plural rule);
# an irregular plural is the second argument: `{{ n | counted("sequence", "sequences") }}`.
ENV.filters["counted"] = counted


@functools.lru_cache(maxsize=4096)
def compile_template(source):
    return ENV.from_string(source)


@functools.lru_cache(maxsize=4096)
def compile_expression(source):
    return ENV.compile_expression(source, undefined_to_none=False)


def filter_problems(ast):
    """(line within the source, message) for each filter a parsed template cannot apply: one jinja does not
    know (it would fail only when rendered, without a line), or `counted` without its noun."""
    from jinja2 import nodes

    from torchquiz.record.suggest import did_you_mean

    found = []
    for node in ast.find_all(nodes.Filter):
        if node.name not in ENV.filters:
            hint = did_you_mean(node.name, list(ENV.filters))
            found.append((node.lineno, f"unknown filter {node.name!r}{'.' + hint if hint else ''}"))
        elif node.name == "counted" and not node.args and not node.kwargs:
            found.append((node.lineno, 'counted needs its noun: {{ n | counted("step") }} gives "1 step" or "3 steps"'))
    return found


GLOBALS = dict(ENV.globals)  # a plain dict: jinja would copy its ChainMap on every render


def render(source, context):
    """Render a jinja template string; StrictUndefined raises on unknown names."""
    if "{" not in source:  # plain text: nothing to render
        return source
    template = compile_template(source)
    # shared=True skips jinja's per-render copy of the globals; we pass them merged instead.
    return ENV.concat(template.root_render_func(template.new_context({**GLOBALS, **context}, shared=True)))


def evaluate(expression, context):
    """Evaluate a jinja expression (`hidden_size * 2`) to a Python value."""
    return compile_expression(expression)(**context)
