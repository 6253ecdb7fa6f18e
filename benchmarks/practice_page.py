"""A long practice page in headless Chromium: how long until every question is in, and how long
input waits meanwhile, at 1,000 and 2,000 questions (scale review, item 1).

A practice page of more than 40 questions opens with 20 and adds the rest 20 at a time while the
browser is idle (quiz.js). For each size this prints, measured in one browser run:
- "all in": seconds from the page's start until the last question is in (body[data-pending] = 0);
- the 2,000/1,000 ratio of those times: about 2 when adding the questions is linear in their
  number (it was 10 when each question was a <form>, which Chromium's autofill re-read, all of
  them, after every chunk);
- "longest stall": the longest time the page's main thread did not run a 20 ms timer while the
  questions were added (a click or key waits as long); target: under 100 ms per chunk's work;
- "longest round trip": the slowest of the script calls the driver makes every 0.25 s meanwhile,
  as a reviewer measured input delay (it includes the driver's own overhead).

The records are the tests' edge-case set replicated under distinct ids (tests/export_records.py),
or `--set SET.jsonl` replicated the same way (the README's full set is the realistic one). On a
shared machine wall times grow with its load; the ratio between sizes in one run is the figure.

    .venv/bin/python benchmarks/practice_page.py [--sizes 1000 2000] [--set SET.jsonl]

With --set of the README's full set, on the shared 2-core machine (load average 5 to 6):
before (forms): 6.36 s and 63.8 s, ratio 10.0, longest stall 8.2 s; after: 1.41 s and 3.19 s,
ratio 2.26, longest stall 112 ms.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser_page import start_chromium  # noqa: E402
from export_records import repeated, replicated_records  # noqa: E402
from torchquiz.record.jsonl import load_records  # noqa: E402
from torchquiz.exports.html import to_html  # noqa: E402

# Runs before the page's own scripts: a 20 ms timer whose lateness is the main thread's stall,
# counted from when the page's script has set body[data-pending] (the adding begins) until it is
# "0". quiz.js marks "torchquiz:all-in" when the last chunk is in.
PROBE = r"""
window.__probe = {stall: 0, begun: null, done: null};
(function () {
  var probe = window.__probe, last = performance.now();
  (function tick() {
    var now = performance.now();
    if (probe.begun !== null && last >= probe.begun) { probe.stall = Math.max(probe.stall, now - last - 20); }
    last = now;
    if (probe.done === null) { setTimeout(tick, 20); }
  })();
  new MutationObserver(function () {
    var pending = document.body && document.body.dataset.pending;
    if (pending !== undefined && probe.begun === null) { probe.begun = performance.now(); }
    if (pending === "0" && probe.done === null) { probe.done = performance.now(); }
  }).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-pending"]});
})();
"""


def set_records(path, count):
    """`count` records from the set at `path`, repeated under distinct ids."""
    return repeated(load_records(path), count)


def measure(driver, path, timeout):
    """(seconds until every question is in, longest stall ms, longest round trip ms, chunks)."""
    driver.get("about:blank")
    driver.get(path.as_uri())
    start, trips = time.perf_counter(), []
    while time.perf_counter() - start < timeout:
        sent = time.perf_counter()
        pending = driver.execute_script("return document.body.dataset.pending")
        trips.append((time.perf_counter() - sent) * 1000)
        if pending == "0":
            break
        time.sleep(0.25)
    else:
        raise SystemExit(f"{path.name}: questions still pending after {timeout} s")
    probe = driver.execute_script("return window.__probe")
    probe["done"] = driver.execute_script("return performance.getEntriesByName('torchquiz:all-in')[0].startTime")
    chunks = driver.execute_script("return JSON.parse(document.getElementById('torchquiz-deferred').textContent).length")
    return probe["done"] / 1000, probe["stall"], max(trips), chunks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000])
    parser.add_argument("--set", help="replicate this set's records instead of the edge-case set")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for one page")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="practice-page-"))
    pages = {}
    for size in args.sizes:
        records = set_records(args.set, size) if args.set else replicated_records(size)
        pages[size] = folder / f"practice-{size}.html"
        pages[size].write_text(to_html(records), encoding="utf-8")
    driver = start_chromium(folder / "profile")
    try:
        driver.set_page_load_timeout(args.timeout)
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
        measure(driver, pages[args.sizes[0]], args.timeout)  # warm the browser up
        print(f"CPUs: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
        print(f"{'questions':>9}{'MB':>7}{'chunks':>8}{'all in s':>10}{'longest stall ms':>18}{'longest round trip ms':>23}")
        results = {}
        for size, path in pages.items():
            done, stall, trip, chunks = measure(driver, path, args.timeout)
            results[size] = done
            print(f"{size:>9}{path.stat().st_size / 1e6:>7.1f}{chunks:>8}{done:>10.2f}{stall:>18.0f}{trip:>23.0f}", flush=True)
        sizes = sorted(results)
        for small, large in zip(sizes, sizes[1:]):
            print(f"all-in time ratio {large}/{small}: {results[large] / results[small]:.2f} "
                  f"(questions ratio {large / small:.2f}; linear adding keeps them close)")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
