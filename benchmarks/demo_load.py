"""A classroom on the draw-a-digit demo: N learners drawing at once, through the app's API.

    python benchmarks/demo_load.py                        # 20 users x 50 drawings: ~7 min on 2 cores
    python benchmarks/demo_load.py --users 40 --requests 25 --drawings identical --label stress

The app runs as the teacher starts it (``python -m mnist_cnn demo``, its own process, on a free
loopback port). Each user is a thread with its own ``gradio_client.Client``: it sends its
drawings one after the other, without pausing, through ``/read_drawing``, and each answer counts
only when it names the drawn digit and its "what the network saw" image downloads whole (the
client fetches it, as the browser does). Drawings: ``identical`` (every request the same "7"),
``distinct`` (each request a "7" with its own corners and pen width) or ``mixed`` (alternating).

"wait" is one request's wall time at the client: upload, queue, prediction and the image's
download. Requests per second = answered requests / the time from the first request to the last
answer. Writes ``benchmarks/results/demo_load.json`` (one entry per ``--label``, replaced on a
rerun) and ``demo_load.txt`` (the table), and prints the table.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark import cpu_model  # noqa: E402  (a sibling script, not a package)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
SEVEN = [(0.28, 0.2), (0.72, 0.2), (0.42, 0.85)]  #: a "7" on the unit square, y down


def draw_seven(path: Path, jitter: random.Random | None = None) -> None:
    """Save a Sketchpad-like 400x400 RGBA "7" (black ink, transparent paper) as PNG.

    With ``jitter`` its three corners move up to 0.05 of the side and the pen is 20-36 px wide,
    so each drawing (and the 28x28 image the network sees) is its own.
    """
    points, width = SEVEN, 28
    if jitter is not None:
        points = [(x + jitter.uniform(-0.05, 0.05), y + jitter.uniform(-0.05, 0.05)) for x, y in SEVEN]
        width = jitter.randint(20, 36)
    img = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(img).line([(x * 400, y * 400) for x, y in points], fill=(0, 0, 0, 255),
                             width=width, joint="curve")
    img.save(path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(port: int, model: str | None, log: Path, timeout: float = 120) -> subprocess.Popen:
    """Start ``python -m mnist_cnn demo`` on ``port``, its stderr into ``log``; return once it answers."""
    import urllib.request

    cmd = [sys.executable, "-m", "mnist_cnn", "demo", "--port", str(port)]
    if model:
        cmd += ["--model", model]
    with log.open("w") as err:  # a file, not a pipe: a full pipe would stall a server logging errors
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the demo exited with code {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"the demo did not answer on port {port} within {timeout:.0f} s")


def run_users(url: str, users: int, requests: int, drawings: str, workdir: Path,
              time_limit: float) -> dict:
    """Run ``users`` concurrent clients of ``requests`` drawings each; return the tallies."""
    from gradio_client import Client, handle_file

    same = workdir / "seven.png"
    draw_seven(same)
    waits: list[float] = []
    errors: dict[str, int] = {}
    wrong = 0
    lock = threading.Lock()
    start = threading.Barrier(users + 1)
    deadline = time.monotonic() + time_limit
    first_last = [float("inf"), 0.0]

    def user(k: int) -> None:
        nonlocal wrong
        try:
            client = Client(url, verbose=False, download_files=str(workdir / f"user{k}"))
        finally:
            start.wait()
        jitter = random.Random(k)
        for i in range(requests):
            if time.monotonic() > deadline:
                break
            if drawings == "identical" or (drawings == "mixed" and i % 2 == 0):
                png = same
            else:
                png = workdir / f"u{k}-{i}.png"
                draw_seven(png, jitter)
            t0 = time.monotonic()
            try:
                message, _, seen = client.predict({"background": None, "layers": [],
                                                   "composite": handle_file(str(png))},
                                                  api_name="/read_drawing")
                ok = "**7**" in message and Image.open(seen).size == (224, 224)
                error = None
            except Exception as exc:  # noqa: BLE001  (counted and named, the run goes on)
                where = re.sub(r"user\d+", "userN", str(exc).replace(str(workdir), "<tmp>"))
                ok, error = False, f"{type(exc).__name__}: {where[:160]}"
            t1 = time.monotonic()
            with lock:
                first_last[0], first_last[1] = min(first_last[0], t0), max(first_last[1], t1)
                if error:
                    errors[error] = errors.get(error, 0) + 1
                else:
                    waits.append(t1 - t0)
                    wrong += not ok

    threads = [threading.Thread(target=user, args=(k,), daemon=True) for k in range(users)]
    for t in threads:
        t.start()
    start.wait()
    for t in threads:  # a request still open a minute after the time limit counts as unanswered
        t.join(max(0.0, deadline + 60 - time.monotonic()))
    with lock:
        hung = sum(t.is_alive() for t in threads)
        if hung:
            errors["no answer a minute after the time limit"] = hung
        span = first_last[1] - first_last[0]
        failed = sum(errors.values())
        waits = list(waits)
    return {
        "users": users, "requests_per_user": requests, "drawings": drawings,
        "sent": len(waits) + failed, "answered": len(waits), "wrong_digit": wrong, "failed": failed,
        "errors": errors, "seconds": round(span, 2),
        "requests_per_s": round(len(waits) / span, 2) if span > 0 else 0.0,
        "median_wait_s": round(statistics.median(waits), 3) if waits else None,
        "p95_wait_s": round(sorted(waits)[int(0.95 * (len(waits) - 1))], 3) if waits else None,
        "worst_wait_s": round(max(waits), 3) if waits else None,
    }


def table(runs: list[dict]) -> str:
    """The runs as a Markdown table."""
    lines = ["| run | users × drawings | drawings | sent | failed | wrong digit | req/s | median wait (s) "
             "| p95 wait (s) | worst wait (s) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r['label']} | {r['users']} × {r['requests_per_user']} | {r['drawings']} | "
                     f"{r['sent']:,} | {r['failed']} | {r['wrong_digit']} | {r['requests_per_s']:.1f} | "
                     f"{r['median_wait_s']} | {r['p95_wait_s']} | {r['worst_wait_s']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent learners (default 20)")
    parser.add_argument("--requests", type=int, default=50, help="drawings per learner (default 50)")
    parser.add_argument("--drawings", choices=["identical", "distinct", "mixed"], default="mixed",
                        help="the same 7 every time, a different 7 every time, or alternating (default)")
    parser.add_argument("--model", help="a .keras file to serve (default: the shipped model)")
    parser.add_argument("--label", default="after", help="name of this run in the results (default after)")
    parser.add_argument("--time-limit", type=float, default=600, help="stop sending after this many s")
    parser.add_argument("--no-save", action="store_true", help="print only; write no results file")
    args = parser.parse_args(argv)
    if args.users < 1 or args.requests < 1:
        parser.error("--users and --requests must be at least 1")

    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        proc = start_app(port, args.model, log)
        try:
            run = run_users(f"http://127.0.0.1:{port}/", args.users, args.requests, args.drawings,
                            Path(tmp), args.time_limit)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        server_errors = [line for line in log.read_text().splitlines() if "Error:" in line]
    run = {"label": args.label, **run, "server_tracebacks": len(server_errors),
           "server_errors": sorted(set(server_errors))[:5], "cpu": cpu_model(),
           "date": time.strftime("%Y-%m-%d")}

    path = RESULTS / "demo_load.json"
    runs = json.loads(path.read_text()) if path.exists() else []
    runs = [r for r in runs if r["label"] != args.label] + [run]
    text = f"Machine: {run['cpu']}\n\n{table(runs if not args.no_save else [run])}\n"
    print(text, end="")
    for error, count in run["errors"].items():
        print(f"  {count} x {error}")
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        path.write_text(json.dumps(runs, indent=1) + "\n")
        (RESULTS / "demo_load.txt").write_text(text)
    return 0 if run["failed"] == 0 and run["wrong_digit"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
