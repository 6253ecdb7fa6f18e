"""The jinja2 environment for the export templates in exports/templates/."""
import functools

from exports.text import cdata


@functools.lru_cache(maxsize=1)
def environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("exports", "templates"),
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
