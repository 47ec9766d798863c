"""Recognise your own handwriting: predictions for any picture, and two small apps.

The shared contract: a *model* is a trained Keras digit classifier (for example
``course_utils.keras_cnn.load_or_train_cnn()``) or a TensorFlow SavedModel loaded
with ``tf.saved_model.load`` (its ``serve`` function is called). Whatever its
input layout, (N, 28, 28, 1), (N, 28, 28) or (N, 784), :func:`predict_probabilities`
feeds it MNIST-style digits x: (N, 28, 28) float32 in [0, 1] and returns
probabilities (N, 10); a model that outputs logits gets a softmax.

* :func:`predict_image` takes any picture (see ``course_utils.preprocess``) and
  returns a :class:`Prediction`: the digit, the ten probabilities and the 28x28
  image the model saw; :func:`top_k` gives the three most likely digits.
* :class:`UploadApp` (ipywidgets ``FileUpload``) and :class:`DrawingPad`
  (a small anywidget canvas, :func:`stroke_canvas_class`) are the interactive apps. Their
  callbacks are plain methods (``handle_upload(content)``,
  ``pen_down/pen_move/pen_up(x, y)``, ``clear()``) that the widgets call and that
  tests and notebooks can call directly.

Taught in notebooks/08_your_own_digits.ipynb.
"""

from __future__ import annotations

import functools
import html
import io
import time
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from .activations import softmax
from .preprocess import ImageError, to_mnist

NUM_CLASSES = 10


@dataclass(frozen=True)
class Prediction:
    """What the model made of one picture.

    ``digit`` is the most likely class, ``probabilities`` (10,) float sums to 1 and
    ``image`` (28, 28) float32 in [0, 1] is the preprocessed digit the model saw.
    """

    digit: int
    probabilities: np.ndarray
    image: np.ndarray

    @property
    def confidence(self) -> float:
        """The probability of the predicted digit."""
        return float(self.probabilities[self.digit])

    def top(self, k: int = 3) -> list[tuple[int, float]]:
        """The ``k`` most likely digits as ``[(digit, probability), ...]``, most likely first."""
        return top_k(self.probabilities, k)

    def __str__(self) -> str:
        return f"{self.digit} ({format_top_k(self.probabilities)})"


def top_k(probabilities, k: int = 3) -> list[tuple[int, float]]:
    """The ``k`` most likely classes: ``[(class, probability), ...]``, most likely first.

    probabilities: (C,) with C >= k. Ties keep the smaller class first.
    """
    probs = np.asarray(probabilities, dtype=np.float64)
    if probs.ndim != 1:
        raise ValueError(f"expected one row of probabilities (C,), got shape {probs.shape}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= probs.size:
        raise ValueError(f"k must be an integer between 1 and {probs.size}, got {k!r}")
    order = np.argsort(-probs, kind="stable")[:k]
    return [(int(i), float(probs[i])) for i in order]


def format_top_k(probabilities, k: int = 3) -> str:
    """``"7: 97.1%, 1: 1.2%, 9: 0.5%"`` for the ``k`` most likely digits.

    probabilities: (C,) with C >= k (one row, see :func:`top_k`). Returns a str.
    """
    return ", ".join(f"{digit}: {100 * p:.1f}%" for digit, p in top_k(probabilities, k))


def _model_layout(model) -> tuple[int, ...] | None:
    shape = getattr(model, "input_shape", None)
    if shape is None:
        return None
    if isinstance(shape, list):
        shape = shape[0]
    return tuple(shape[1:])


def predict_probabilities(model, images) -> np.ndarray:
    """Class probabilities for MNIST-style digits.

    model: a Keras model or a loaded SavedModel (see the module docstring).
    images: (28, 28) or (N, 28, 28) float (no range check: the lesson feeds the
    naive 0-255 inputs on purpose). Returns probabilities (N, 10) float64, rows
    summing to 1 (a softmax is applied when the model outputs logits).
    """
    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ValueError(
            f"expected digits of shape (28, 28) or (N, 28, 28), got {np.asarray(images).shape}"
        )
    layout = _model_layout(model)
    if layout is None or len(layout) == 3:
        x = x[..., None]
    elif len(layout) == 1:
        x = x.reshape(len(x), -1)
    if hasattr(model, "serve") and not hasattr(model, "predict"):
        out = model.serve(x)
    else:
        out = model(x, training=False)
    out = np.asarray(out.numpy() if hasattr(out, "numpy") else out, dtype=np.float64)
    if out.ndim != 2 or out.shape[1] != NUM_CLASSES:
        raise ValueError(
            f"the model should output (N, {NUM_CLASSES}) values, it gave shape {out.shape}"
        )
    if np.any(out < 0) or not np.allclose(out.sum(axis=1), 1.0, atol=1e-3):
        out = softmax(out, axis=1)
    return out


def predict_image(model, image) -> Prediction:
    """Preprocess any picture the MNIST way and classify it.

    image: a path, bytes, PIL image or array (see ``course_utils.preprocess``).
    Returns a :class:`Prediction`; raises ``preprocess.ImageError`` for bad pictures.
    """
    digit_image = to_mnist(image)
    probs = predict_probabilities(model, digit_image)[0]
    return Prediction(int(np.argmax(probs)), probs, digit_image)


def digit_png(image: np.ndarray, scale: int = 5) -> bytes:
    """A 28x28 digit (float in [0, 1], ink bright) as PNG bytes, enlarged ``scale`` times, ink dark."""
    pixels = np.clip(255 - np.asarray(image) * 255, 0, 255).astype(np.uint8)
    picture = Image.fromarray(pixels, mode="L")
    picture = picture.resize(
        (picture.width * scale, picture.height * scale), Image.Resampling.NEAREST
    )
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def probabilities_html(probabilities, k: int = 3) -> str:
    """An HTML snippet with the ``k`` most likely digits as horizontal bars.

    probabilities: (C,) with C >= k (one row, see :func:`top_k`). Returns a str
    holding one ``<div>`` with a bar per digit, most likely first.
    """
    rows = "".join(
        f'<div style="display:flex;align-items:center;gap:6px;font-family:monospace">'
        f"<b>{digit}</b>"
        f'<div style="background:#0072B2;height:12px;width:{max(1, round(150 * p))}px"></div>'
        f"{100 * p:.1f}%</div>"
        for digit, p in top_k(probabilities, k)
    )
    return f"<div>{rows}</div>"


def _error_html(message: str) -> str:
    return f'<div style="color:#D55E00">{html.escape(message)}</div>'


#: The empty 28x28 preview shown before the first prediction and after Clear or an error.
EMPTY_DIGIT = np.zeros((28, 28), dtype=np.float32)

_PREVIEW_LAYOUT = {"border": "1px solid #999", "width": "142px", "height": "142px"}


class _PredictionView:
    """What both apps share: ``digit_view`` (an ipywidgets Image), ``result`` (HTML),
    ``k``, ``widget`` (the whole app), and how a prediction is shown."""

    def _show(self, prediction: Prediction) -> None:
        self.digit_view.value = digit_png(prediction.image)
        self.result.value = f"<b>Prediction: {prediction.digit}</b>" + probabilities_html(
            prediction.probabilities, self.k
        )

    def _show_nothing(self, message: str) -> None:
        self.digit_view.value = digit_png(EMPTY_DIGIT)
        self.result.value = message

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _preview():
    import ipywidgets as widgets

    return widgets.Image(
        value=digit_png(EMPTY_DIGIT),
        format="png",
        width=140,
        height=140,
        layout=widgets.Layout(**_PREVIEW_LAYOUT),
    )


class UploadApp(_PredictionView):
    """Upload a picture, see the digit the model sees and its prediction.

    ``UploadApp(model).widget`` is an ipywidgets box: a ``FileUpload`` button, the
    preprocessed 28x28 digit and the top-3 probabilities. The button calls
    :meth:`handle_upload`, which tests and notebooks can call with the file's bytes.
    """

    PROMPT = "Upload a photo or scan of one digit."

    def __init__(self, model, k: int = 3):
        import ipywidgets as widgets

        self.model = model
        self.k = k
        self.prediction: Prediction | None = None
        self.error: str | None = None
        self.upload = widgets.FileUpload(
            accept="image/*", multiple=False, description="Upload a digit"
        )
        self.digit_view = _preview()
        self.result = widgets.HTML(self.PROMPT)
        self.upload.observe(self._on_upload, names="value")
        self.widget = widgets.VBox([self.upload, widgets.HBox([self.digit_view, self.result])])

    def _on_upload(self, change) -> None:
        files = change["new"]
        if files:
            self.handle_upload(bytes(files[0]["content"]), name=files[0].get("name", "upload"))

    def handle_upload(self, content: bytes, name: str = "upload") -> Prediction | None:
        """Preprocess and classify an uploaded file's bytes; show and return the prediction.

        A bad picture is not an exception here: the message is shown (the previous
        picture is cleared), stored in ``self.error`` and ``None`` is returned, so
        the app keeps working.
        """
        try:
            prediction = predict_image(self.model, content)
        except ImageError as error:
            self.prediction, self.error = None, f"{name}: {error}"
            self._show_nothing(_error_html(self.error))
            return None
        self.prediction, self.error = prediction, None
        self._show(prediction)
        return prediction


_PAD_ESM = """
function render({ model, el }) {
  const canvas = document.createElement("canvas");
  canvas.className = "course-pad";
  el.appendChild(canvas);
  const ctx = canvas.getContext("2d");
  let current = null;

  function segment(points) {
    if (points.length === 0) return;
    ctx.beginPath();
    ctx.moveTo(points[0][0], points[0][1]);
    for (const [x, y] of points.slice(1)) ctx.lineTo(x, y);
    if (points.length === 1) ctx.lineTo(points[0][0] + 0.01, points[0][1]);
    ctx.stroke();
  }
  function redraw() {
    const size = model.get("size");
    canvas.width = size;
    canvas.height = size;
    canvas.style.width = size + "px";
    canvas.style.height = size + "px";
    ctx.fillStyle = "white";
    ctx.fillRect(0, 0, size, size);
    ctx.strokeStyle = "black";
    ctx.lineWidth = model.get("line_width");
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    for (const stroke of model.get("strokes")) segment(stroke);
    if (current) segment(current);
  }
  function point(event) {
    const box = canvas.getBoundingClientRect();
    const size = model.get("size");
    return [
      Math.round(((event.clientX - box.left) * size) / box.width * 10) / 10,
      Math.round(((event.clientY - box.top) * size) / box.height * 10) / 10,
    ];
  }
  function down(event) {
    if (event.button !== 0) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    const [x, y] = point(event);
    current = [[x, y]];
    segment(current);
    model.send({ event: "down", x, y });
  }
  function move(event) {
    if (!current) return;
    const [x, y] = point(event);
    segment([current[current.length - 1], [x, y]]);
    current.push([x, y]);
    model.send({ event: "move", x, y });
  }
  function up(event) {
    if (!current) return;
    const [x, y] = point(event);
    current = null;
    model.send({ event: "up", x, y });
  }
  canvas.addEventListener("pointerdown", down);
  canvas.addEventListener("pointermove", move);
  canvas.addEventListener("pointerup", up);
  canvas.addEventListener("pointercancel", up);
  const changed = () => { current = null; redraw(); };
  model.on("change:strokes", changed);
  model.on("change:size", redraw);
  model.on("change:line_width", redraw);
  redraw();
  return () => {
    model.off("change:strokes", changed);
    model.off("change:size", redraw);
    model.off("change:line_width", redraw);
  };
}
export default { render };
"""

_PAD_CSS = """
.course-pad { border: 2px solid #555; border-radius: 4px; cursor: crosshair;
  touch-action: none; background: white; display: block; }
"""


@functools.cache
def stroke_canvas_class():
    """The canvas widget class of :class:`DrawingPad` (built on first use: importing this
    module needs no anywidget)."""
    import anywidget
    import traitlets

    class StrokeCanvas(anywidget.AnyWidget):
        """A square drawing canvas whose finished strokes live in the widget's model.

        ``strokes`` is a list of strokes, each a list of ``[x, y]`` points in canvas
        pixels. The browser draws the ink as the mouse moves and sends
        ``{"event": "down"|"move"|"up", "x": ..., "y": ...}`` messages; whenever the
        front end is (re)rendered, after a page reload too, it redraws ``strokes``,
        so the ink the learner sees is always the ink the model reads.
        """

        _esm = _PAD_ESM
        _css = _PAD_CSS
        size = traitlets.Int(280).tag(sync=True)
        line_width = traitlets.Int(18).tag(sync=True)
        strokes = traitlets.List([]).tag(sync=True)

    return StrokeCanvas


class DrawingPad(_PredictionView):
    """Draw a digit with the mouse and watch the prediction update.

    ``DrawingPad(model).widget`` holds a framed canvas (``size`` x ``size`` pixels,
    dark ink on white; :func:`stroke_canvas_class`), a Clear button, the digit the model
    sees and the top-3 probabilities. The strokes are also drawn into a Pillow
    image on the Python side, so the prediction needs no round trip to the
    browser, and kept in the canvas widget's model, so a reloaded page shows them
    again. The mouse callbacks are plain methods: :meth:`pen_down`, :meth:`pen_move`,
    :meth:`pen_up` (each takes x, y in canvas pixels) and :meth:`clear`; the
    prediction is refreshed when a stroke ends and, while drawing, at most every
    ``update_seconds``.
    """

    PROMPT = "Draw a digit in the box."

    def __init__(
        self, model, size: int = 280, line_width: int = 18, update_seconds: float = 0.3, k: int = 3
    ):
        import ipywidgets as widgets

        if isinstance(size, bool) or not isinstance(size, int) or size < 28:
            raise ValueError(f"size must be an integer of at least 28 pixels, got {size!r}")
        self.model = model
        self.size = size
        self.line_width = line_width
        self.update_seconds = update_seconds
        self.k = k
        self.prediction: Prediction | None = None
        self._stroke: list[list[float]] | None = None
        self._last_update = 0.0
        self.canvas = stroke_canvas_class()(size=size, line_width=line_width)
        self.canvas.on_msg(self._on_message)
        self.clear_button = widgets.Button(description="Clear")
        self.clear_button.on_click(lambda _button: self.clear())
        self.digit_view = _preview()
        self.result = widgets.HTML(self.PROMPT)
        self.widget = widgets.HBox(
            [
                widgets.VBox([self.canvas, self.clear_button]),
                widgets.VBox([self.digit_view, self.result]),
            ]
        )
        self.clear()

    @property
    def strokes(self) -> list[list[list[float]]]:
        """The finished strokes, each a list of ``[x, y]`` points (what the canvas shows)."""
        return self.canvas.strokes

    def _on_message(self, _widget, content, _buffers) -> None:
        handler = {"down": self.pen_down, "move": self.pen_move, "up": self.pen_up}.get(
            content.get("event") if isinstance(content, dict) else None
        )
        if handler is not None:
            handler(float(content["x"]), float(content["y"]))

    def clear(self) -> None:
        """Wipe the pad, the preview and the prediction."""
        self.picture = Image.new("L", (self.size, self.size), 255)
        self._draw = ImageDraw.Draw(self.picture)
        self._stroke = None
        self.canvas.strokes = []
        self.prediction = None
        self._show_nothing(self.PROMPT)

    def pen_down(self, x: float, y: float) -> None:
        """Start a stroke at (x, y)."""
        self._stroke = [[x, y]]
        self._dot(x, y)

    def pen_move(self, x: float, y: float) -> None:
        """Continue the stroke to (x, y) (ignored while the pen is up)."""
        if self._stroke is None:
            return
        x0, y0 = self._stroke[-1]
        self._draw.line((x0, y0, x, y), fill=0, width=self.line_width)
        self._dot(x, y)
        self._stroke.append([x, y])
        if time.monotonic() - self._last_update >= self.update_seconds:
            self.update()

    def pen_up(self, x: float, y: float) -> None:
        """End the stroke at (x, y), keep it in the canvas' model and refresh the prediction."""
        if self._stroke is None:
            return
        if [x, y] != self._stroke[-1]:
            self.pen_move(x, y)
        stroke, self._stroke = self._stroke, None
        self.canvas.strokes = [*self.canvas.strokes, stroke]
        self.update()

    def draw(self, strokes) -> Prediction | None:
        """Draw whole strokes, each a sequence of (x, y) points, as the mouse would."""
        for stroke in strokes:
            points = [(float(x), float(y)) for x, y in stroke]
            self.pen_down(*points[0])
            for point in points[1:]:
                self.pen_move(*point)
            self.pen_up(*points[-1])
        return self.prediction

    def _dot(self, x: float, y: float) -> None:
        r = self.line_width / 2
        self._draw.ellipse((x - r, y - r, x + r, y + r), fill=0)

    def update(self) -> Prediction | None:
        """Classify what is on the pad now; show and return the prediction (None if blank)."""
        self._last_update = time.monotonic()
        try:
            prediction = predict_image(self.model, self.picture)
        except ImageError:
            self.prediction = None
            self._show_nothing(self.PROMPT)
            return None
        self.prediction = prediction
        self._show(prediction)
        return prediction


__all__ = [
    "DrawingPad",
    "EMPTY_DIGIT",
    "Prediction",
    "UploadApp",
    "digit_png",
    "format_top_k",
    "predict_image",
    "predict_probabilities",
    "probabilities_html",
    "stroke_canvas_class",
    "top_k",
]
