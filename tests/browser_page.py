"""Driving the HTML page in a real headless Chromium (Debian's chromium and chromium-driver, through
selenium): starting the browser, loading a page, answering and reading its verdicts. The `browser`
fixture (conftest.py) starts one per test module; under CI=true a missing browser fails, never skips."""
import json
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CI = os.environ.get("CI") == "true"


def start_chromium(profile):
    """A headless Chromium with its own profile folder, logging console and network."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (os.path.exists(p) or shutil.which(p))]
    if missing:
        reason = f"{', '.join(missing)} missing: apt-get install -y chromium chromium-driver"
        if CI:
            pytest.fail(reason)  # CI must run the browser tests, not skip them
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1200,900", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    return driver


def write(folder, name, text):
    """The page `text` as the file `folder/name`, to open."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def emulate_width(driver, pixels):
    """The window `pixels` CSS pixels wide (a phone below 500)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": pixels, "height": 900, "deviceScaleFactor": 1, "mobile": pixels < 500})


def open_page(driver, path):
    """Load `path`; return the URLs of the requests it made, plus any network request at all."""
    driver.get_log("performance")  # drop entries of earlier pages
    driver.get_log("browser")
    # From a blank page: opening the URL already shown could let the wait below read the old,
    # finished page while the new one still adds its questions.
    driver.get("about:blank")
    driver.get(path.as_uri())
    wait_for_every_question(driver)
    return requests_made(driver, path.as_uri())


def wait_for_every_question(driver, timeout=30):
    """A long practice page adds its later questions while idle (quiz.js): wait until none is pending."""
    from selenium.webdriver.support.ui import WebDriverWait

    # A page with deferred questions is done when none is pending; a page without them, when loaded.
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script(
        "return document.readyState === 'complete' && (!document.getElementById('torchquiz-deferred')"
        " || document.body.dataset.pending === '0')"))


def requests_made(driver, page_url):
    """Requests from the performance log: those the page made, and every one that left the
    machine (http, https, ws, ftp), whoever made it. Chrome's own chrome:// pages are ignored."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] != "Network.requestWillBeSent":
            continue
        url = message["params"]["request"]["url"]
        if message["params"].get("documentURL") == page_url or not url.startswith(("chrome", "devtools")):
            urls.append(url)
    return urls


def console_errors(driver):
    return [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def screenshot(driver, name):
    ARTIFACTS.mkdir(exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1200, min(max(height, 900), 6000))
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(ARTIFACTS / name))
    driver.set_window_size(1200, 900)


def question(driver, number):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, f"q{number}")


def verdict(item):
    from selenium.webdriver.common.by import By

    return item.find_element(By.CSS_SELECTOR, ".verdict").text


def score(driver):
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.ID, "score")
    return int(element.get_attribute("data-right")), int(element.get_attribute("data-answered")), element.text


def choose(driver, number, option_index):
    from selenium.webdriver.common.by import By

    label = question(driver, number).find_element(By.CSS_SELECTOR, f"label[for='q{number}o{option_index}']")
    # Centred first, as a reader sees it: at the window's top edge it would sit under the sticky score bar.
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", label)
    label.click()


def type_answer(driver, number, text):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    field = question(driver, number).find_element(By.CSS_SELECTOR, "input.typed")
    field.clear()
    field.send_keys(text + Keys.ENTER)


def allow_downloads(driver, folder):
    """Let the page download into `folder` (created): Save my answers writes there."""
    folder.mkdir(exist_ok=True)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    return folder


def save_answers(driver, folder, timeout=5.0):
    """Press Save my answers and return the file it downloaded into `folder`."""
    import time
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, "save").click()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        saved = list(folder.glob("torchquiz-answers-*.json"))
        if saved:
            return saved[0]
        time.sleep(0.1)
    raise AssertionError(f"Save my answers downloaded nothing into {folder} within {timeout} s")
