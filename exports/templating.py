"""The jinja2 environment for the export templates in exports/templates/, and bulk rendering."""
import contextlib
import functools
import gc

from torchquiz.exports.text import cdata


@functools.lru_cache(maxsize=1)
def environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("torchquiz.exports", "templates"),  # the installed name, from any folder
        autoescape=True,  # XML and HTML alike: only Markup (CDATA, built HTML) passes unescaped
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["cdata"] = cdata
    return env


def render(template_name, **values):
    """Render one export template with `values`."""
    return environment().get_template(template_name).render(**values)


@contextlib.contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while one export is built.

    An export allocates millions of short-lived objects while all records stay alive, so
    the collector rescans the records again and again: 10,000 questions took 12-13 times
    as long as 1,000 instead of 10 (benchmarks/export.py). Nothing built here needs a
    cycle collected before the export ends; the collector resumes as it was.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
