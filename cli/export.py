"""`torchquiz export FORMAT`: question sets (JSON Lines) to every format of exports/registry.py.

One command per registry entry, with the options the entry declares: the CLI parses them,
calls the export and writes its files, nothing more. Only the exports and the question
records are imported here, never torch: exporting a set takes a fraction of a second.
"""
from pathlib import Path

import click

from torchquiz.exports.core import count_categories, earlier_outputs, output_paths, part_path
from torchquiz.exports.errors import ExportError, RecordError
from torchquiz.exports.registry import FORMATS

from .options import SEED, FiniteFloatRange, SuggestingChoice
from .output_files import is_stream, target_folder, write_all_atomically


def _load(set_path):
    """The set's records. Bad lines are listed one per line, then one `Error:`, in the words and
    the order `bank import` uses, so a broken set reads the same to both (issue 12)."""
    from torchquiz.record.jsonl import load_records, read_set, shown

    entries, problems = read_set(set_path)
    for line in shown(problems):
        click.echo(line, err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} bad line(s) in {set_path}; nothing exported (fix them first)")
    return load_records(set_path) if not entries else [record for _, record in entries]


def _click_option(option):
    """A registry Option (exports/core.py) as a click option."""
    if option.kind is bool:
        return click.option(option.flag, option.name, default=option.default, show_default=True, help=option.help)
    if option.name == "seed":  # one range for every --seed of the CLI
        kind = SEED
    elif option.choices:
        kind = SuggestingChoice(list(option.choices))
    elif option.kind in (int, float) and option.bounds:
        low, high = option.bounds
        kind = (FiniteFloatRange if option.kind is float else click.IntRange)(low, high)
    else:
        kind = option.kind
    return click.option(option.flag, option.name, type=kind, default=option.default, show_default=True,
                        help=option.help)


def _summary(records, options, paths):
    from torchquiz.record.wording import counted

    what = f"Wrote {counted(len(records), 'question')}"
    if "mode" in options:
        what += f" ({options['mode']})"
    if "category_by" in options:
        what += f" in {counted(count_categories(records, options['category_by']), 'category', 'categories')}"
    where = str(paths[0]) if len(paths) == 1 else f"{len(paths)} files: " + ", ".join(map(str, paths))
    return f"{what} to {where}"


def make_command(fmt):
    """The `torchquiz export NAME` command for one registry Format."""
    def command(set_path, output, **options):
        try:
            if str(output) != "-":  # before any work
                target_folder(output)
                if output.resolve() == set_path.resolve():
                    raise click.ClickException(f"-o {output} is the set being exported: name another file")
            records = _load(set_path)
            files = fmt.builder()(records, **options)
            files = files if isinstance(files, list) else [files]
            if str(output) == "-":  # standard output, as `generate -o -` does
                if len(files) > 1 or isinstance(files[0], bytes):
                    raise click.ClickException(f"-o -: this {fmt.name} export is "
                                               + ("several files" if len(files) > 1 else "a zip package")
                                               + "; give a file name")
                click.echo(str(files[0]), nl=False)
                click.echo(_summary(records, options, ["standard output"]), err=True)
                return
            streamed = is_stream(output)  # a device or pipe: -o /dev/stdout | ..., -o /dev/null
            if streamed and len(files) > 1:  # its parts would be files named /dev/stdout-A ... beside it
                raise click.ClickException(f"-o {output}: this {fmt.name} export is {len(files)} files; give a file "
                                           "name")
            paths = output_paths(output, files)
            if any(path.resolve() == set_path.resolve() for path in paths):
                raise click.ClickException(f"{set_path} would be overwritten by a part of this export: "
                                           "name another file with -o")
            write_all_atomically(zip(paths, files))
        except (ExportError, RecordError) as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(_summary(records, options, paths), err=streamed)  # not into the pipe the export went to
        stale = [] if streamed else earlier_outputs(output, paths)
        if stale:
            click.echo(f"Note: {', '.join(map(str, stale))} {'is' if len(stale) == 1 else 'are'} left from an earlier "
                       "export with this name; use only the files listed above.", err=True)

    examples = "\n".join(f"  {line}" for line in fmt.examples)
    command.__doc__ = f"{fmt.summary}\n\n\b\nExamples:\n{examples}\n"
    names = {option.name for option in fmt.options}
    quiz = f"quiz{fmt.suffix}"
    naming = (f"; a split export numbers it: {part_path(quiz, '01')}, {part_path(quiz, '02')}..." if "max_mb" in names else
              f"; exam versions name it {part_path(quiz, 'A')}, {part_path(quiz, 'B')}... and {part_path(quiz, 'key')}"
              if "versions" in names else "")
    to_stdout = ("" if fmt.suffix == ".zip" else "; - for standard output, when it is one file"
                 if naming else "; - for standard output")  # a zip package is bytes: never to a terminal
    command = click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
                           help=f"The file to write ({fmt.suffix}{to_stdout}){naming}")(command)
    for option in reversed(fmt.options):
        command = _click_option(option)(command)
    command = click.argument("set_path", metavar="SET.jsonl",
                             type=click.Path(exists=True, dir_okay=False, path_type=Path))(command)
    return click.command(name=fmt.name, short_help=fmt.summary)(command)


GROUP_HELP = """Export a question set to an LMS or a page: one command per format (see Commands).

\b
Examples:
  torchquiz export moodle set.jsonl -o quiz.xml
  torchquiz export qti12 set.jsonl -o canvas.zip
  torchquiz export html set.jsonl -o quiz.html --mode practice
"""


export = click.Group(name="export", help=GROUP_HELP,
                     commands=[make_command(fmt) for fmt in FORMATS.values()])
