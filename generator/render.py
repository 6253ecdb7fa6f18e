"""Jinja rendering with StrictUndefined: a name a template forgot is an error, never blank text."""
import functools

import jinja2

ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,
)
ENV.globals.update(zip=zip, len=len, range=range, sum=sum, min=min, max=max, round=round,
                   sorted=sorted, enumerate=enumerate, abs=abs, int=int, float=float, str=str)


@functools.lru_cache(maxsize=4096)
def compile_template(source):
    return ENV.from_string(source)


@functools.lru_cache(maxsize=4096)
def compile_expression(source):
    return ENV.compile_expression(source, undefined_to_none=False)


def render(source, context):
    """Render a jinja template string; StrictUndefined raises on unknown names."""
    return compile_template(source).render(context)


def evaluate(expression, context):
    """Evaluate a jinja expression (`hidden_size * 2`) to a Python value."""
    return compile_expression(expression)(**context)
