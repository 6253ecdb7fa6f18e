"""The terminal quiz at any width, in a real pseudo-terminal: nothing split, nothing too wide.

The same quiz (same store, learner and seed) runs at 60, 120 and 400 columns. At 400
nothing needs wrapping, so its whitespace-separated words are the reference: at 60 and
120 the words must be the very same sequence (a word or identifier split across two
lines would show as two fragments), and no line may be wider than the terminal. The
captures are also saved as screenshots in test-artifacts/.
"""
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from torchquiz.engine.store import Store
from quiz_fixtures import shape_question

TORCHQUIZ = str(Path(sys.executable).parent / "torchquiz")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
LONG_CODE = ("layer = nn.LSTM(input_size=16, hidden_size=32, num_layers=2, batch_first=True, "
             "bidirectional=True, proj_size=8)\n")


def long_question(n):
    """A fixture question with the long texts real ones have: 100+ character feedback and steps."""
    record = shape_question(n, topic="lstm", correct_index=n % 4)
    record["stem"] += (" Assume `nn.LSTM(input_size=16, hidden_size=32, batch_first=True)` style arguments "
                       "and a TypeError-free run; name the shape exactly as `out.shape` prints it.")
    record["code"] = record["code"].replace("out, _ = layer(x)\n", "out, _ = layer(x)\n" + LONG_CODE)
    for option in record["options"]:
        option["feedback"] += (" Remember that torch.nn.utils.rnn.pack_padded_sequence(lengths=...) and "
                               "`batch_first=True` change only where the batch dimension sits, never hidden_size.")
    record["solution"].append("Step 3: `output` has shape (batch, seq_len, D * proj_size or hidden_size) when "
                              "batch_first=True, where D is 2 for bidirectional=True and 1 otherwise.")
    return record


@pytest.fixture
def long_db(tmp_path):
    path = tmp_path / "quiz.db"
    with Store.open(path) as store:
        store.add_questions([long_question(n) for n in range(12)])
    return path


def run_quiz(folder, db, columns, env_extra=None):
    """Hint, a wrong answer, Enter, a skip, Enter, an answer, then the end screen; all output back."""
    env = {**os.environ, "TERM": "xterm-256color", **(env_extra or {})}
    env.pop("TORCHQUIZ_DB", None)
    if not env_extra or "NO_COLOR" not in env_extra:
        env.pop("NO_COLOR", None)
    shutil.copy(db, folder / "quiz.db")
    log = io.StringIO()
    child = pexpect.spawn(TORCHQUIZ, ["quiz", "--db", "quiz.db", "--learner", "tia", "--length", "3", "--seed", "5",
                                      "--no-generate"], cwd=str(folder), env=env, encoding="utf-8", timeout=30,
                          dimensions=(40, columns))
    child.logfile_read = log
    for typed in ("h", "D", "", "s", "", "A"):
        child.expect([r"quit\): $", r"q to quit\): $"])
        child.sendline(typed)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, log.getvalue()[-2000:]
    return log.getvalue()


def words(screen):
    text = ANSI.sub("", screen).replace("↪", " ")
    return [w for w in text.split() if set(w) != {"─"} and w != "\\"]  # a row continued with a backslash


@pytest.mark.parametrize("columns", [60, 120])
def test_no_word_or_identifier_is_split_and_no_line_is_too_wide(tmp_path, long_db, columns):
    (tmp_path / "wide").mkdir()
    (tmp_path / "narrow").mkdir()
    reference = run_quiz(tmp_path / "wide", long_db, 400)
    screen = run_quiz(tmp_path / "narrow", long_db, columns)
    plain = ANSI.sub("", screen).replace("\r", "")
    too_wide = [line for line in plain.split("\n") if len(line) > columns]
    assert not too_wide, too_wide
    assert words(screen) == words(reference)
    assert ("↪" in plain) == (len(LONG_CODE) + 4 > columns)  # a code line folds, with its marker, only if it must
    assert "\x1b[" in screen  # a terminal gets colours...
    assert not re.search(r"\x1b\[(3[4]|9[34]|38;|48;)", screen)  # ...but never blue, yellow or RGB ones
    # Every command it prints runs as it stands: same store, same learner.
    assert "torchquiz quiz --topic lstm --learner tia --db quiz.db" in plain
    assert "torchquiz report --learner tia --db quiz.db" in plain
    save_screenshot(screen, f"terminal-{columns}.svg", columns)


def test_no_color_is_honoured(tmp_path, long_db):
    (tmp_path / "plain").mkdir()
    screen = run_quiz(tmp_path / "plain", long_db, 80, env_extra={"NO_COLOR": "1"})
    assert "\x1b[" not in ANSI.sub(lambda m: "" if m.group(0).startswith("\x1b]") else m.group(0), screen)
    assert "Quiz complete" in screen


def test_a_dumb_terminal_gets_plain_text_at_its_own_width_and_whole_prompts(tmp_path, long_db):
    """TERM=dumb: no escape sequence, lines fitted to the terminal's 50 columns (not Rich's 80 for a dumb
    terminal), and prompts written whole (readline would scroll a long one sideways, cutting its start)."""
    (tmp_path / "dumb").mkdir()
    env = {**os.environ, "TERM": "dumb"}
    env.pop("NO_COLOR", None)
    shutil.copy(long_db, tmp_path / "dumb" / "quiz.db")
    log = io.StringIO()
    child = pexpect.spawn(TORCHQUIZ, ["quiz", "--db", "quiz.db", "--learner", "tia", "--length", "1", "--seed", "5",
                                      "--no-generate"], cwd=str(tmp_path / "dumb"), env=env, encoding="utf-8",
                          timeout=30, dimensions=(40, 50))
    child.logfile_read = log
    child.expect(r"q quit\): $")
    child.sendline("A")
    child.expect(r"q to quit\): $|Quiz complete")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    screen = log.getvalue()
    assert "\x1b" not in screen and "Quiz complete" in screen
    lines = screen.replace("\r", "").split("\n")
    assert max(map(len, lines)) <= 50 and max(map(len, lines)) > 40
    assert any(line.startswith("Answer (") for line in lines)  # the prompt from its first word


def test_the_quiz_starts_without_importing_torch(db):
    """Rich and the quiz screens load, torch does not: a learner does not wait seconds for it."""
    code = ("import sys\nfrom torchquiz.cli.main import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
            "assert 'rich' in sys.modules and 'torch' not in sys.modules, 'the quiz imported torch'\n")
    result = subprocess.run([sys.executable, "-c", code, "quiz", "--db", str(db), "--learner", "t", "--length", "1",
                             "--no-generate"], input="q\n", capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Question 1/1" in result.stdout


def save_screenshot(screen, name, columns):
    """The pty capture drawn as an SVG picture of the terminal, as Rich records it, and as a PNG
    where Chromium is installed (the same browser the HTML tests use)."""
    from rich.console import Console
    from rich.text import Text

    ARTIFACTS.mkdir(exist_ok=True)
    console = Console(record=True, width=columns, file=io.StringIO(), force_terminal=True, color_system="standard")
    console.print(Text.from_ansi(screen.replace("\r", "")))
    svg = ARTIFACTS / name
    console.save_svg(str(svg), title=f"torchquiz quiz at {columns} columns")
    if os.path.exists(CHROMIUM):
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--screenshot={svg.with_suffix('.png')}", f"--window-size={columns * 10 + 40},2400",
                        svg.as_uri()], capture_output=True, timeout=60)
