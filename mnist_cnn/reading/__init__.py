"""mnist_cnn.reading: the photo reader, the package's second door (notebook 03).

It reads digits and whole numbers in photos and scans of real handwriting (any paper, ink and
light), with the photo ensemble shipped with the package or a model of your own. It uses the
lesson's core (``mnist_cnn``: config, model, train, saving); the core never imports it
(``lint-imports`` checks that, see ``pyproject.toml``). The modules follow the photo's path:

- ``images``      reading a file or an array into greyscale, safely
- ``page``        the page: paper and light, ruled and squared lines, tilt -> the ink
- ``digit``       one digit: keep its pieces, crop, scale and centre like MNIST (``prepare_image``)
- ``numbers``     several digits in a row: ``read_number``
- ``reader``      the digit in each of several photos: ``read_digits``; the "not sure" threshold
- ``figures``     what the reader did to a photo, as figures
- ``shipped``     the shipped photo ensemble (its file format) and the default model
- ``photo_model`` the ``small`` recipe that reads photos: ``PhotoConfig``, ``RandomStroke``
- ``reink``       re-inked training copies (a new pen along each digit's centre line)
- ``strokes``     digits drawn from pen strokes
- ``synthetic``   reproducible synthetic photos of digits and numbers (for scoring)
- ``scoring``     accuracy of the reader on them, per condition
- ``demo``        the draw-a-digit web app (Gradio)

Importing this package loads nothing heavy (the command line reads ``MIN_CONFIDENCE`` from it for
``--help``); each module imports what it uses at its top.
"""

from __future__ import annotations

#: Below this probability an answer is reported as "not sure" instead of as a reading: the one
#: threshold of ``predict --min-confidence``, :mod:`mnist_cnn.reading.reader` and the demo.
#: Chosen on the dev photos (``benchmarks/photos/``).
MIN_CONFIDENCE = 0.6
