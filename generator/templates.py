"""Question templates: load a YAML file into a validated Template, and find the bank's files."""
import dataclasses
import hashlib
import re
from pathlib import Path

from torchquiz.record.schema import LEVELS as DIFFICULTIES

from .catalogue import CATALOGUE_FILE, bank_roots, checked_misconceptions, load_misconceptions
from .errors import GeneratorError, NothingSelected, Problem, TemplateError, UnknownTemplate
from .question_types import current_template_id, declared_types, form_data
from .validate import template_problems
from .yamlsource import load_yaml_file


@dataclasses.dataclass(frozen=True)
class Template:
    id: str
    title: str
    family: str
    topics: tuple
    type: str
    params: dict
    difficulty: dict           # level -> overrides; only the levels the template offers
    stem: str
    answer: str                # stdout | exception | probe | curated | computed.<name>
    solution: tuple
    hint: str
    common_mistakes: tuple = ()
    code: str | None = None
    compute: str | None = None
    probe: str | None = None
    option: str | None = None
    options: tuple = ()        # curated options: ({text, correct, misconception, feedback}, ...)
    distractors: tuple = ()
    round: int | None = None
    rule: str | None = None
    expects: tuple = ()        # exceptions of its own code the template asks about (failures.check_key)
    feedback: str = ""         # for the right option; empty: default_feedback(answer)
    path: str = ""
    version: str = ""
    text_uses_difficulty: bool = False  # the level shows in the text, so it is part of the content
    types: tuple = ()          # every type the file makes, primary first; this Template is the `type` form
    forms: dict = dataclasses.field(default_factory=dict, compare=False, repr=False)  # type -> Template
    lines: dict = dataclasses.field(default_factory=dict, compare=False, repr=False)  # snippet field -> file line

    @property
    def levels(self):
        return tuple(level for level in DIFFICULTIES if level in self.difficulty)

    def as_type(self, kind=None):
        """The single-type template that makes `kind` questions (None: the primary type)."""
        if kind is None or kind == self.type:
            return self
        if kind not in self.forms:
            raise GeneratorError(f"{self.id} makes {', '.join(self.types or (self.type,))} questions, not {kind}")
        return self.forms[kind]


def load_template(path, catalogue=None, validate=True):
    """Load and validate one template file; raises TemplateError with every problem found.

    validate=False is for worker processes, which load a bank the parent has just validated.
    """
    path = Path(path)
    data, lines, raw = load_yaml_file(path)
    if not isinstance(data, dict):  # even unvalidated: a worker must not trip over an empty file
        raise TemplateError([Problem(path, 1, "", "a template is a YAML mapping of fields")])
    if validate:
        catalogue = load_misconceptions() if catalogue is None else catalogue
        problems = template_problems(data, lines, str(path), catalogue)
        if problems:
            raise TemplateError(problems)
    kinds = declared_types(data)
    if len(kinds) <= 1:
        return _template_from(data, raw, path, tuple(kinds), lines=lines)
    # Each type is a complete template of its own (its `per_type` block applied); the primary one
    # stands for the file and reaches the others through `as_type`.
    forms = {}  # shared by every form, so any of them reaches the others
    for kind in kinds:
        forms[kind] = _template_from(form_data(data, kind), raw, path, tuple(kinds), forms, lines)
    return forms[kinds[0]]


def _template_from(data, raw, path, kinds, forms=None, lines=None):
    fields = {f.name for f in dataclasses.fields(Template)} - {"types", "forms", "lines"}
    values = {k: v for k, v in data.items() if k in fields}
    values["params"] = data.get("params") or {}
    values["expects"] = tuple([data["expects"]] if isinstance(data.get("expects"), str) else data.get("expects") or ())
    values["feedback"] = data.get("feedback") or default_feedback(data.get("answer"))
    values["difficulty"] = {level: (data.get("difficulty") or {}).get(level) or {}
                            for level in DIFFICULTIES
                            if level in (data.get("difficulty") or {level: {} for level in DIFFICULTIES})}
    for key in ("topics", "solution", "common_mistakes", "distractors", "options"):
        if key in values:
            values[key] = tuple(values[key])
    values["version"] = hashlib.sha256(raw).hexdigest()[:12]
    values["text_uses_difficulty"] = uses_name(data, "difficulty") or any(
        isinstance(o, dict) and "levels" in o for o in data.get("options") or [])
    values["path"] = str(path)
    snippets = {f: (lines or {})[(f,)] for f in ("code", "compute", "probe", "option") if (f,) in (lines or {})}
    return Template(**values, types=kinds, forms=forms if forms is not None else {}, lines=snippets)


def default_feedback(answer):
    """The right option's feedback when a template gives none: "running it gives" fits a printed or
    computed value; an exception, a probe's expression or a curated sentence is the answer itself."""
    if answer in ("exception", "probe", "curated"):
        return "Correct: {{ key }}{% if key[-1:] not in '.!?' %}.{% endif %}"
    return "Correct: running it gives {{ key }}."


def uses_name(data, name):
    """Whether any jinja text of a template refers to `name`."""
    from jinja2 import meta

    from .render import ENV

    sources = [data.get(f) for f in ("stem", "code", "compute", "probe", "option", "hint", "feedback")]
    sources += list(data.get("solution") or []) + list(data.get("common_mistakes") or [])
    sources += [o.get("text") for o in data.get("options") or [] if isinstance(o, dict)]
    return any(name in meta.find_undeclared_variables(ENV.parse(s)) for s in sources if isinstance(s, str))


TEMPLATE_PLACE = "a template is a .yaml file one folder down, BANK/FOLDER/NAME.yaml"  # what template_files reads


def template_files(bank_dirs=(), include_builtin=True):
    """Every template file (`<folder>/*.yaml`) in the built-in bank and the extra bank dirs."""
    files = []
    for root in bank_roots(bank_dirs, include_builtin):
        files += sorted(p for p in root.glob("*/*.yaml"))
    return files


def unread_files(bank_dirs=(), include_builtin=True):
    """Notes on YAML files that look meant for the bank but that `template_files` never reads: a
    `.yml` template, a `.yaml` file at the top (besides the catalogue) or two folders down."""
    notes = []
    for root in bank_roots(bank_dirs, include_builtin):
        near = [*root.glob("*.yaml"), *root.glob("*/*.yml"), *root.glob("*/*/*.yaml")]
        for path in sorted(p for p in near if not any(part.startswith(".") for part in p.relative_to(root).parts)):
            parts = path.relative_to(root).parts
            if path.suffix == ".yml":
                why = f"a template file ends in .yaml ({path.with_suffix('.yaml').name})"
            elif len(parts) == 1:
                if path.name == CATALOGUE_FILE:
                    continue
                why = f"templates go one folder down ({root}/<folder>/{path.name})"
            else:
                why = f"templates go exactly one folder down ({root}/{parts[0]}/{path.name})"
            notes.append(f"{path}: not read: {why}")
    return notes


def load_bank(bank_dirs=(), include_builtin=True, validate=True):
    """Load every template; returns ({id: Template}, [Problem]) so callers see all problems at once."""
    try:
        catalogue, catalogue_problems = checked_misconceptions(bank_dirs)
    except TemplateError as exc:
        return {}, exc.problems
    templates, problems = {}, []
    for path in template_files(bank_dirs, include_builtin):
        try:
            template = load_template(path, catalogue, validate)
        except TemplateError as exc:
            problems += exc.problems
            continue
        if template.id in templates:
            problems.append(Problem(path, 1, f"id={template.id!r}",
                                    f"duplicate template id (also in {templates[template.id].path})"))
            continue
        templates[template.id] = template
    if catalogue_problems:  # the templates were checked against what the catalogue could give; none is usable
        return {}, catalogue_problems + problems
    return templates, problems


def load_one(name, bank_dirs=(), include_builtin=True):
    """The template `name` (an id, or a twin's old id) and how many other template files have problems.

    Only the asked template's own problems stop it (preview): those of the file that declares its id
    (read from its `id:` line when the YAML is broken), or of a second file claiming it; when no file
    declares it, those of a file named like it that declares no id. The TemplateError or UnknownTemplate
    raised carries `others`."""
    templates, problems = load_bank(bank_dirs, include_builtin)
    if problems and not templates:  # the catalogue, or every file, is broken: nothing can run
        raise TemplateError(problems)
    wanted = current_template_id(name, templates) or name
    declared_ids = {path: declared(path) for path in dict.fromkeys(p.path for p in problems)}
    if wanted in templates:
        own = [p for p in problems if p.field == f"id={wanted!r}"]
    else:
        paths = ([path for path, found in declared_ids.items() if found == name]
                 or [path for path, found in declared_ids.items() if found is None and Path(path).stem == name.rpartition(".")[2]])
        own = [p for p in problems if p.path in paths]
    others = len({p.path for p in problems} - {p.path for p in own})
    if own:
        raise TemplateError(own, others=others)
    if wanted not in templates:  # a broken file's id is a name the author may have meant
        error = UnknownTemplate(name, [*templates, *sorted({i for i in declared_ids.values() if i})])
        error.others = others
        raise error
    return templates[wanted], others


def declared(path, key="id"):
    """The string a template file declares at top-level `key` (id, family), from its `key:` line when the
    YAML does not parse; None when it names none."""
    try:
        data = load_yaml_file(path)[0]
    except TemplateError:
        line = re.search(rf"^{key}:[ \t]*(['\"]?)([^'\"#\s]+)\1[ \t]*(#.*)?$",
                         Path(path).read_bytes().decode("utf-8", "replace"), re.MULTILINE)
        return line and line.group(2)
    found = data.get(key) if isinstance(data, dict) else None
    return found if isinstance(found, str) else None


def select_templates(templates, ids=(), families=(), topics=()):
    """The templates that pass every filter given (all of them when none is), sorted by id: each
    kind of filter narrows the set, and the names within one kind are alternatives, so
    `families=["shape"], topics=["lstm", "gru"]` is the shape templates about LSTMs or GRUs.

    A twin's old id names the template it merged into, so a stored question of a pre-merge set still
    finds its template (near variants, `--template`).  A family that is really a topic (attention,
    embedding, ...) says so."""
    ids = [current_template_id(name, templates) or name for name in ids]
    for name in ids:
        if name not in templates:
            raise UnknownTemplate(name, list(templates))
    known_families = {t.family for t in templates.values()}
    known_topics = {topic for t in templates.values() for topic in t.topics}
    for family in families:
        if family not in known_families:
            hint = f" It is a topic: use --topic {family}." if family in known_topics else ""
            raise UnknownTemplate(family, sorted(known_families), kind="family", hint=hint, listed=True)
    for topic in topics:
        if topic not in known_topics:
            hint = f" It is a family: use --family {topic}." if topic in known_families else ""
            raise UnknownTemplate(topic, sorted(known_topics), kind="topic", hint=hint)
    chosen = [t for t in templates.values()
              if (not ids or t.id in ids) and (not families or t.family in families)
              and (not topics or set(t.topics) & set(topics))]
    if not chosen and templates:
        given = [f"--{kind} {name}" for kind, names in (("template", ids), ("family", families), ("topic", topics))
                 for name in names]
        raise NothingSelected(f"no template matches {' and '.join(given)} together: each kind of option "
                              "narrows the set (`torchquiz bank list` shows each template's family and topics)")
    return sorted(chosen, key=lambda t: t.id)
