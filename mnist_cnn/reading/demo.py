"""Draw a digit and watch the network read it: a small local web app (Gradio).

The learner draws on a canvas (mouse, touch or pen) or uploads a photo; on every stroke the app
shows the predicted digit, the ten probabilities, and the 28x28 image the network actually saw
(after :func:`mnist_cnn.reading.digit.prepare_image`, the same preparation as ``python -m mnist_cnn
predict``). :func:`read_digit` is the whole pipeline without any web code, so it is unit-tested
directly; :func:`build_demo` wires it to Gradio components; :func:`launch` serves it.

The app works offline: Gradio serves its own scripts and fonts, and its usage analytics are
switched off (``GRADIO_ANALYTICS_ENABLED=False``) before Gradio is imported. Gradio is imported
lazily, inside the functions that need it, so ``import mnist_cnn`` stays fast.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from mnist_cnn.reading import MIN_CONFIDENCE
from mnist_cnn.reading.digit import prepare_image
from mnist_cnn.reading.images import ImageError, pil_to_grey, read_image
from mnist_cnn.reading.shipped import resolve_model

#: A canvas whose ink covers more than this fraction of it is refused as a scribble. The value is
#: just above the 99.9th percentile (0.575) of MNIST *training* digits' ink (pixels > 127) per
#: square around the digit: even a bold digit drawn to fill the whole canvas stays below it.
MAX_INK = 0.6
CANVAS_SIDE = 400  #: drawing canvas in pixels (square)
BRUSH_RADIUS = 14  #: pen radius on the canvas: thick enough to read like MNIST's strokes
CANVAS_WORK_SIDE = 280  #: the canvas is shrunk to this before preparation (keeps a stroke < 100 ms)
UPLOAD_WORK_SIDE = 1024  #: uploads are shrunk to at most this (a 12-megapixel photo stays quick)
MAX_UPLOAD = "20mb"  #: Gradio refuses larger uploads with its own message
VIEW_SCALE = 8  #: the 28x28 input is shown 8x larger, one block per pixel (224x224)
#: Drawings waiting beyond this are answered "Queue is full" at once instead of queuing without
#: bound. A browser holds at most one drawing in the queue (each stroke replaces the waiting one),
#: so a class of up to this many learners never meets it.
MAX_QUEUE = 64

CLEAR_JS = """() => { document.querySelector("#canvas button[aria-label='Clear canvas']")?.click(); }"""
EMPTY_MESSAGE = "Draw one digit (0–9) in the box, or upload a photo of one."


@dataclass
class Reading:
    """What the app shows for one input.

    Attributes:
        message: One line of Markdown: the verdict, or what is wrong with the input.
        label: The predicted digit, or None when the input was refused.
        probabilities: float64 (10,) softmax output, or None.
        seen: float32 (28, 28) in [0, 1], white digit on black: what the network saw, or None.
    """

    message: str
    label: int | None = None
    probabilities: np.ndarray | None = None
    seen: np.ndarray | None = None


def make_predictor(model) -> Callable[[np.ndarray], np.ndarray]:
    """Wrap ``model`` in a traced ``tf.function`` for one image at a time.

    ``model.predict`` costs ~45 ms per call (it builds a dataset each time); the traced call
    takes a few milliseconds, which is what makes per-stroke updates possible.

    Args:
        model: A Keras model mapping float32 (n, 28, 28, 1) to (n, 10) probabilities.

    Returns:
        A function: float32 (28, 28) image -> float64 (10,) probabilities.
    """
    import tensorflow as tf

    call = tf.function(lambda x: model(x, training=False),
                       input_signature=[tf.TensorSpec((1, 28, 28, 1), tf.float32)])

    def predict(image: np.ndarray) -> np.ndarray:
        x = tf.constant(np.asarray(image, np.float32).reshape(1, 28, 28, 1))
        return np.asarray(call(x), np.float64)[0]

    predict(np.zeros((28, 28), np.float32))  # trace now, so the learner's first stroke is fast
    return predict


def canvas_to_grey(value) -> np.ndarray | None:
    """Turn the Sketchpad's value into a greyscale drawing on white paper.

    Args:
        value: Gradio's Sketchpad value, a dict whose ``"composite"`` is the drawing as a uint8
            array (H, W, 4) RGBA (unpainted pixels transparent), (H, W, 3) or (H, W); or such an
            array itself; or None (a cleared canvas).

    Returns:
        float32 (H, W) in [0, 1] with 1 = white paper and transparent pixels as paper, or None
        when there is no drawing at all.
    """
    composite = value.get("composite") if isinstance(value, dict) else value
    if composite is None:
        return None
    a = np.asarray(composite)
    if a.dtype != np.uint8:
        a = np.clip(np.nan_to_num(a.astype(np.float64)) * (255.0 if a.max() <= 1.0 else 1.0), 0, 255)
        a = a.astype(np.uint8)
    if a.ndim == 3 and a.shape[-1] in (1, 3, 4):
        a = a[..., 0] if a.shape[-1] == 1 else a
    elif a.ndim != 2:
        raise ImageError(f"canvas: expected an image array, got shape {a.shape}")
    return pil_to_grey(Image.fromarray(a))  # transparent = no ink: composited on white paper


def _shrink(grey: np.ndarray, side: int) -> np.ndarray:
    """Box-filter ``grey`` (H, W) float32 so its longer side is at most ``side`` pixels."""
    h, w = grey.shape
    if max(h, w) <= side:
        return grey
    size = (max(1, round(w * side / max(h, w))), max(1, round(h * side / max(h, w))))
    return np.asarray(Image.fromarray(grey, "F").resize(size, Image.Resampling.BOX), np.float32)


def _verdict(label: int, probabilities: np.ndarray) -> str:
    confidence = float(probabilities[label])
    runner_up = int(np.argsort(-probabilities, kind="stable")[1])
    if confidence >= MIN_CONFIDENCE:
        return f"It reads **{label}** ({confidence:.1%} sure)."
    return (f"It reads **{label}**, but is only {confidence:.1%} sure; next best "
            f"{runner_up} ({probabilities[runner_up]:.1%}). Try a bigger, clearer digit.")


def read_digit(source, predict: Callable[[np.ndarray], np.ndarray], kind: str = "canvas") -> Reading:
    """Prepare one drawing or upload and predict its digit; never raises for a bad input.

    Args:
        source: For ``kind="canvas"``: the Sketchpad's value (see :func:`canvas_to_grey`).
            For ``kind="upload"``: the path of an uploaded file, or None.
        predict: float32 (28, 28) -> float64 (10,) probabilities (see :func:`make_predictor`).
        kind: ``"canvas"`` or ``"upload"``.

    Returns:
        A :class:`Reading`; for an empty, scribbled-over, unreadable or oversized input its
        ``message`` says what is wrong and what to do, and ``label`` is None.
    """
    try:
        if kind == "canvas":
            grey = canvas_to_grey(source)
            if grey is None or not (grey < 0.5).any():
                return Reading(EMPTY_MESSAGE)
            ink = float((grey < 0.5).mean())
            if ink > MAX_INK:
                return Reading(f"The ink covers {ink:.0%} of the canvas: that is a scribble, not a "
                               "digit. Press Clear and draw one digit.")
            seen = prepare_image(_shrink(grey, CANVAS_WORK_SIDE), name="The drawing")
        elif kind == "upload":
            if not source:
                return Reading(EMPTY_MESSAGE)
            name = Path(source).name
            try:
                grey = read_image(source)
            except ImageError as exc:  # its message starts with the temporary path; name the upload
                raise ImageError(f"{name}: {str(exc).split(': ', 1)[-1]}") from None
            seen = prepare_image(_shrink(grey, UPLOAD_WORK_SIDE), name=name)
        else:
            raise ValueError(f"kind must be 'canvas' or 'upload', not {kind!r}")
        probabilities = predict(seen)
    except ImageError as exc:
        message = str(exc)
        if "no digit found" in message and kind == "canvas":
            message = "The drawing is too faint to read. " + EMPTY_MESSAGE
        return Reading(message)
    except Exception as exc:  # a bug must not show a traceback in the page or stop the app
        traceback.print_exc()
        return Reading(f"Could not read this input ({type(exc).__name__}); the app is still "
                       "running, try another drawing or file.")
    label = int(probabilities.argmax())
    return Reading(_verdict(label, probabilities), label, probabilities, seen)


def enlarge(seen: np.ndarray, scale: int = VIEW_SCALE) -> np.ndarray:
    """The 28x28 float input as a uint8 (28*scale, 28*scale) image, each pixel a sharp block."""
    pixels = np.clip(np.asarray(seen, np.float32) * 255 + 0.5, 0, 255).astype(np.uint8)
    return np.kron(pixels, np.ones((scale, scale), np.uint8))


def seen_picture(seen: np.ndarray):
    """The enlarged 28x28 input as a greyscale ``PIL.Image`` that Gradio saves as a file of its own.

    Gradio (6.31, ``processing_utils.save_pil_to_cache``) names an output image's file after the
    hash of its bytes and rewrites that file in place (``Path.write_bytes``: truncate, then write)
    for every answer. Answers with the same 28x28 image share one file, so one answer truncated it
    while another was sending it: the server logged h11's "Too little data for declared
    Content-Length", the client got "received 0 bytes, expected 754" or an empty picture.
    benchmarks/demo_load.py, 20 users: 26 of 1,000 requests failed with the same 7 drawn by all,
    0 of 500 with a different 7 each. (Gradio's issues #8351 and #8878 report the sibling error
    "Response content shorter than Content-Length", cause not named.) A unique PNG text chunk,
    which Gradio copies into the file, gives every answer bytes, hence a file, of its own.
    """
    picture = Image.fromarray(enlarge(seen), "L")
    picture.info["mnist_cnn-answer"] = uuid.uuid4().hex
    return picture


def _import_gradio():
    """Import Gradio with its usage analytics off (no request leaves the machine)."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio as gr

    return gr


def build_demo(model=None):
    """Build the draw-a-digit app.

    Args:
        model: A Keras model (float32 (n, 28, 28, 1) -> (n, 10) probabilities), the path of a
            ``.keras`` file, or None for the photo ensemble shipped with the package.

    Returns:
        A ``gradio.Blocks`` app; serve it with :func:`launch` or ``app.launch()`` (in a notebook
        ``app.launch(prevent_thread_lock=True)`` shows it in the output cell; ``app.close()``).

    Raises:
        mnist_cnn.saving.ModelError: ``model`` is a path that is not a loadable ``.keras`` file.
    """
    gr = _import_gradio()
    predict = make_predictor(resolve_model(model))
    names = [str(d) for d in range(10)]

    def show(reading: Reading):
        if reading.label is None:
            return reading.message, None, None
        return (reading.message, dict(zip(names, reading.probabilities.tolist())),
                seen_picture(reading.seen))

    def on_draw(value):
        return show(read_digit(value, predict, "canvas"))

    def on_upload(path):
        return show(read_digit(path, predict, "upload"))

    with gr.Blocks(title="MNIST CNN: draw a digit", analytics_enabled=False) as app:
        gr.Markdown("## Draw a digit and watch the network read it\n"
                    "Draw one digit (0–9) with the mouse, a finger or a pen, big and in the middle. "
                    "The prediction updates after every stroke; below "
                    f"{MIN_CONFIDENCE:.0%} the app says it is not sure.")
        with gr.Row():
            with gr.Column():
                canvas = gr.Sketchpad(
                    label="Draw here", type="numpy", image_mode="RGBA", format="png",
                    canvas_size=(CANVAS_SIDE, CANVAS_SIDE), fixed_canvas=True, layers=False,
                    brush=gr.Brush(default_size=BRUSH_RADIUS, colors=["#000000"], color_mode="fixed"),
                    elem_id="canvas",
                )
                upload = gr.File(label="…or upload a photo or scan of one digit", file_types=["image"],
                                 type="filepath", height=140, elem_id="upload")
                clear = gr.Button("Clear", elem_id="clear")
            with gr.Column():
                verdict = gr.Markdown(EMPTY_MESSAGE, elem_id="verdict")
                seen = gr.Image(label="What the network saw (28×28, after prepare_image)",
                                type="numpy", format="png", interactive=False, height=200,
                                elem_id="seen")
                bars = gr.Label(label="Probabilities of the ten digits", num_top_classes=10,
                                elem_id="probabilities")
        outputs = [verdict, bars, seen]
        canvas.change(on_draw, canvas, outputs, show_progress="hidden", trigger_mode="always_last",
                      api_name="read_drawing")
        upload.upload(on_upload, upload, outputs, show_progress="hidden", api_name="read_upload")
        # The canvas is wiped by its own "Clear canvas" tool: setting the Sketchpad to None from
        # Python works once only (Gradio 6.31; gradio-app/gradio#9978), so a third drawing was
        # read together with the second.
        clear.click(lambda: (None, EMPTY_MESSAGE, None, None), None, [upload, *outputs], js=CLEAR_JS,
                    show_progress="hidden", api_name=False)
    return app


def check_port(host: str, port: int) -> None:
    """Raise ``OSError`` with a one-line reason if ``host:port`` cannot be served on."""
    if not 0 < port < 65536:
        raise OSError(f"port {port} is not between 1 and 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise OSError(f"host {host!r} is not an address of this machine") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        if os.name != "nt":  # as the server does: connections closing (TIME_WAIT) don't block it
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
                raise OSError(f"port {port} on {host} is already in use; pick another with "
                              "--port (or stop the program using it)") from None
            raise OSError(f"cannot listen on {host}:{port} ({exc.strerror})") from None


def launch(model=None, host: str = "127.0.0.1", port: int = 7860, block: bool = True,
           max_queue: int = MAX_QUEUE):
    """Build the app and serve it on ``http://host:port``; print that URL.

    Args:
        model: As in :func:`build_demo`.
        host: Address to listen on; the default serves this computer only.
        port: TCP port.
        block: Wait until Ctrl+C, then stop the server. ``False`` returns at once with the app
            running (call ``app.close()`` to stop it).
        max_queue: Drawings that may wait for the model; one more is answered "Queue is full".

    Returns:
        The running ``gradio.Blocks`` app.

    Raises:
        OSError: The port is in use or the host is not an address of this machine.
        mnist_cnn.saving.ModelError: ``model`` is a path that cannot be loaded.
    """
    check_port(host, port)  # before loading the model: fail fast with a clear reason
    app = build_demo(model)
    # One drawing at a time, first come first served (the model call already uses every core);
    # a bounded queue answers an overloaded server's extra drawings at once.
    app.queue(default_concurrency_limit=1, max_size=max_queue)
    app.launch(server_name=host, server_port=port, prevent_thread_lock=True, quiet=True,
               inbrowser=False, share=False, show_error=False, max_file_size=MAX_UPLOAD)
    print(f"Draw-a-digit demo running at http://{host}:{port} (press Ctrl+C to stop)", flush=True)
    if block:
        try:
            while app.is_running:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
        finally:
            app.close()
            print("demo stopped")
    return app
