"""Screenshot and timings of the draw-a-digit demo, driven in headless Chromium like a learner.

    python scripts/demo_screenshot.py [--strokes 10] [--out docs/images/demo.png]

Starts the app with the shipped model on a free loopback port, opens it in Debian's Chromium
(Selenium + /usr/bin/chromedriver, nothing downloaded), then:

* page ready: from navigation start until the canvas and its Brush button are on screen;
* first prediction: the round trip of the first stroke after the page is ready, from the stroke's
  ``pointerup`` (in the page's clock) to the first change of the prediction in the page;
* per stroke: the same round trip for ``--strokes`` more single-stroke digits (Clear in between),
  and the server's own time in :func:`mnist_cnn.reading.demo.read_digit` (preparation + network) per call;
* requests: every URL the page requested (Chromium's performance log) that is not the app's own;
* saves a screenshot with a drawn 7 (written atomically).

Timings are printed, never asserted: tests do not time things (see STYLE.md).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not try to download a driver

ROOT = Path(__file__).resolve().parents[1]
VERDICT = "#verdict [data-testid='markdown']"  #: the verdict's text, without the progress tracker
ONE = [[(0.5, 0.15), (0.5, 0.85)]]
SEVEN = [[(0.28, 0.2), (0.72, 0.2), (0.42, 0.85)]]
WATCH = """
window.__up = []; window.__changes = [];
document.addEventListener('pointerup', () => window.__up.push(performance.now()), true);
const verdict = document.querySelector("#verdict [data-testid='markdown']");
new MutationObserver(() => window.__changes.push([performance.now(), verdict.innerText.trim()]))
  .observe(verdict, {subtree: true, childList: true, characterData: true});
"""


def start_browser(width: int = 1280, height: int = 1100):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--enable-unsafe-swiftshader",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", f"--window-size={width},{height}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def stroke(driver, strokes) -> None:
    """Draw unit-square strokes with the mouse on the displayed canvas (Brush tool first)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    wait_for(driver, "#canvas button[aria-label='Brush']").click()
    canvas = next(c for c in driver.find_elements(By.CSS_SELECTOR, "#canvas canvas") if c.is_displayed())
    side = 0.8 * min(canvas.size["width"], canvas.size["height"])
    for line in strokes:
        points = [(round((x - 0.5) * side), round((y - 0.5) * side)) for x, y in line]
        actions = ActionChains(driver).move_to_element_with_offset(canvas, *points[0]).click_and_hold()
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            for t in np.linspace(0, 1, 9)[1:]:
                actions.move_to_element_with_offset(canvas, round(x0 + t * (x1 - x0)),
                                                    round(y0 + t * (y1 - y0)))
        actions.release().perform()


def wait_for(driver, css: str, timeout: float = 30.0):
    """The first element matching ``css``, once it is on the page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))[0]


def wait_text(driver, predicate, timeout: float = 30.0) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def check(d):
        found = d.find_elements(By.CSS_SELECTOR, VERDICT)  # the page builds itself after loading
        return found and predicate(found[0].text) and found[0].text

    return WebDriverWait(driver, timeout).until(check)


def round_trip(driver, strokes, expect: str) -> float:
    """Draw; return ms from the last pointerup to the first verdict change after it."""
    ups_before = driver.execute_script("return window.__up.length")
    stroke(driver, strokes)
    wait_text(driver, lambda text: text.startswith("It reads"))
    ups, changes = driver.execute_script("return [window.__up, window.__changes]")
    up = ups[-1] if len(ups) > ups_before else float("nan")
    after = [t for t, text in changes if t >= up and text.startswith("It reads")]
    text = wait_text(driver, lambda t: True)
    if f"reads {expect}" not in text:
        print(f"  note: expected {expect}, page says {text!r}")
    return after[0] - up if after else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=10, help="timed strokes after the first (10)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "images" / "demo.png"))
    args = parser.parse_args()

    from selenium.webdriver.common.by import By

    from mnist_cnn._files import atomic_path
    from mnist_cnn.reading import demo

    server_ms: list[float] = []
    read_digit = demo.read_digit

    def timed(*a, **k):
        start = time.perf_counter()
        try:
            return read_digit(*a, **k)
        finally:
            server_ms.append(1000 * (time.perf_counter() - start))

    demo.read_digit = timed  # build_demo's handlers look it up at call time
    start = time.perf_counter()
    app = demo.build_demo()
    print(f"build_demo (load model, trace, build page): {time.perf_counter() - start:.2f} s")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    driver = start_browser()
    try:
        driver.get(url)
        wait_text(driver, lambda text: text == demo.EMPTY_MESSAGE)
        wait_for(driver, "#canvas button[aria-label='Brush']")
        ready = driver.execute_script("return performance.now()")
        driver.execute_script(WATCH)
        print(f"page ready (canvas shown) {ready:.0f} ms after navigation start")
        first = round_trip(driver, ONE, "1")
        print(f"first prediction: {first:.0f} ms from the end of the first stroke to the answer "
              f"(server {server_ms[-1]:.0f} ms)")
        trips, server_ms[:] = [], []
        for i in range(args.strokes):
            driver.find_element(By.ID, "clear").click()
            wait_text(driver, lambda text: text == demo.EMPTY_MESSAGE)
            time.sleep(0.5)  # a learner's pause; the canvas clears itself after the message
            trips.append(round_trip(driver, SEVEN if i % 2 else ONE, "7" if i % 2 else "1"))
        drawn = [ms for ms in server_ms if ms > 1] or [float("nan")]  # clears take ~0 ms
        trips = trips or [float("nan")]
        print(f"per stroke, {len(trips)} strokes: round trip median {statistics.median(trips):.0f} ms, "
              f"max {max(trips):.0f} ms; server read_digit median {statistics.median(drawn):.0f} ms, "
              f"max {max(drawn):.0f} ms")

        driver.find_element(By.ID, "clear").click()
        wait_text(driver, lambda text: text == demo.EMPTY_MESSAGE)
        time.sleep(0.5)
        stroke(driver, SEVEN)
        text = wait_text(driver, lambda text: text.startswith("It reads"))
        time.sleep(1.0)  # let the 28x28 image finish loading
        with atomic_path(args.out, ".png") as tmp:
            driver.save_screenshot(tmp)
        print(f"screenshot ({text}) saved to {args.out}")

        log = [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]
        urls = {m["params"]["request"]["url"] for m in log if m["method"] == "Network.requestWillBeSent"}
        external = sorted(u for u in urls if not u.startswith((url, "data:", "blob:")))
        print(f"requests: {len(urls)} distinct URLs, {len(external)} outside the app {external}")
    finally:
        driver.quit()
        app.close()


if __name__ == "__main__":
    main()
