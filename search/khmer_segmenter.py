"""Khmer words as khmercut cuts them, in a third of its time.

khmercut (Apache-2.0) cuts a piece of Khmer into character clusters (its `seg_kcc`) and tags each
cluster as beginning a word or not with the CRF model that ships in the package, through
python-crfsuite. Most of that time goes to building a dict of features per cluster and to
python-crfsuite converting every feature to a C++ string, one call at a time: indexing a Khmer
article cost several times an English one. Here the model's weights are read once from khmercut's
own model file, each cluster's features are looked up in a dict, and the best tags are found as
crfsuite's Viterbi finds them: the same features in the same order, the same sums of the same
doubles, ties to the same tag. The words are therefore khmercut's own; tests compare the two on
every piece of the replica's Khmer edition and on random Khmer text.

The features are khmercut 0.2.0's (`kcc_to_features`): the cluster, its type and whether it is
spaceless, for the cluster itself and up to three on each side, and the n-grams of clusters
around it. Another khmercut may change them; requirements.txt pins 0.2.0, and the index format
names the version (search/khmer.py `SEGMENTER`).
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass
from pathlib import Path

import khmercut  # type: ignore[import-untyped]  # it ships no type information

# crfsuite's CRF1d model file: a header of counts and offsets, a chunk of features (type, source,
# destination, weight as a double), and CQDB string tables for the labels and the attributes,
# read here through their id -> string arrays. Little-endian, as crfsuite writes it.
HEADER = struct.Struct("<4sI4sIIIIIIIII")
CHUNK = struct.Struct("<4sII")
FEATURE = struct.Struct("<IIId")
CQDB_HEADER = struct.Struct("<4sIIIII")
CQDB_RECORD = struct.Struct("<iI")
CQDB_BYTE_ORDER = 0x62445371
STATE, TRANSITION = 0, 1  # the two kinds of feature
WORD_BEGINS = "1"  # khmercut's label of a cluster that begins a word (the other is "0")


@dataclass(frozen=True)
class Model:
    """khmercut's CRF: for each attribute the weight of its cluster beginning a word and of its
    not beginning one, and the weights of the four transitions between the two tags."""

    weights: dict[str, tuple[float, float]]
    transitions: tuple[tuple[float, float], tuple[float, float]]  # [from][to], 0 = begins a word

    def words(self, text: str) -> list[str]:
        """The words of `text`, as `khmercut.tokenize(text)` gives them."""
        clusters = khmercut.seg_kcc(text)
        words: list[str] = []
        for cluster, begins in zip(clusters, self.tags(clusters), strict=True):
            if begins or not words:
                words.append(cluster)
            else:
                words[-1] += cluster
        return words

    def tags(self, clusters: list[str]) -> list[bool]:
        """Whether each cluster begins a word: the best-scoring tags, found as crfsuite's Viterbi
        finds them (sums in its order; a tie goes to the tag it lists first, "begins")."""
        if not clusters:
            return []
        begins, inside = self._scores(clusters)
        (bb, bi), (ib, ii) = self.transitions
        best_begins, best_inside = begins[0], inside[0]
        came_from: list[tuple[bool, bool]] = []
        for t in range(1, len(clusters)):
            via_begins, via_inside = best_begins + bb, best_inside + ib
            to_begins_from_inside = via_begins < via_inside
            new_begins = (via_inside if to_begins_from_inside else via_begins) + begins[t]
            via_begins, via_inside = best_begins + bi, best_inside + ii
            to_inside_from_inside = via_begins < via_inside
            new_inside = (via_inside if to_inside_from_inside else via_begins) + inside[t]
            came_from.append((to_begins_from_inside, to_inside_from_inside))
            best_begins, best_inside = new_begins, new_inside
        is_inside = best_begins < best_inside
        path = [is_inside]
        for step in reversed(came_from):
            is_inside = step[is_inside]
            path.append(is_inside)
        return [not is_inside for is_inside in reversed(path)]

    def _scores(self, clusters: list[str]) -> tuple[list[float], list[float]]:
        """Each cluster's score for beginning a word and for not, summed over its attributes in
        the order khmercut lists them (an attribute the model does not know weighs nothing)."""
        weight = self.weights.get
        begins, inside = [], []
        for attributes in _attributes(clusters):
            score_begins = score_inside = 0.0
            for pair in map(weight, attributes):
                if pair is not None:
                    score_begins += pair[0]
                    score_inside += pair[1]
            begins.append(score_begins)
            inside.append(score_inside)
        return begins, inside


def _attributes(k: list[str]) -> list[list[str]]:
    """Each cluster's attributes, named and ordered as khmercut 0.2.0's `kcc_to_features` makes
    them (a false flag is left out: crfsuite weighs it by 0)."""
    n = len(k)
    kind = [khmercut.kcc_type(cluster) for cluster in k]
    spaceless = [khmercut.is_no_space(cluster) for cluster in k]
    every = []
    for i, c in enumerate(k):
        a = ["kcc:" + c, "t:" + kind[i]]
        if spaceless[i]:
            a.append("ns")
        if i >= 1:
            p = k[i - 1]
            a += ("kcc[-1]:" + p, "kcc[-1]t:" + kind[i - 1], "kcc[-1:0]:" + p + c)
            if spaceless[i - 1]:
                a.append("ns-1")
            if i >= 2:
                pp = k[i - 2]
                a += ("kcc[-2]:" + pp, "kcc[-2]t:" + kind[i - 2], "kcc[-2:-1]:" + pp + p, "kcc[-2:0]:" + pp + p + c)
                if i >= 3:
                    ppp = k[i - 3]
                    a += (
                        "kcc[-3]:" + ppp,
                        "kcc[-3]t:" + kind[i - 3],
                        "kcc[-3:0]:" + ppp + pp + p + c,
                        "kcc[-3:-1]:" + ppp + pp + p,
                        "kcc[-3:-2]:" + ppp + pp,
                    )
        else:
            a.append("BOS")
        if i < n - 1:
            q = k[i + 1]
            a += ("kcc[+1]:" + q, "kcc[+1]t:" + kind[i + 1], "kcc[+1:0]:" + c + q)
            if spaceless[i + 1]:
                a.append("ns+1")
            if i < n - 2:
                qq = k[i + 2]
                a += ("kcc[+2]:" + qq, "kcc[+2]t:" + kind[i + 2], "kcc[+1:+2]:" + q + qq, "kcc[0:+2]:" + c + q + qq)
                if spaceless[i + 2]:
                    a.append("ns+2")
                if i < n - 3:
                    qqq = k[i + 3]
                    a += (
                        "kcc[+3]:" + qqq,
                        "kcc[+3]t:" + kind[i + 3],
                        "kcc[+2:+3]:" + qq + qqq,
                        "kcc[+1:+3]:" + q + qq + qqq,
                        "kcc[0:+3]:" + c + q + qq + qqq,
                    )
        else:
            a.append("EOS")
        every.append(a)
    return every


def read_model(path: Path) -> Model:
    """The CRF in crfsuite's model file at `path`, its weights as stored (full doubles)."""
    data = path.read_bytes()
    if len(data) < HEADER.size:
        raise ValueError(f"{path} is too short to be a crfsuite model.")
    magic, _, kind, _, _, _, _, features_at, labels_at, attributes_at, _, _ = HEADER.unpack_from(data)
    if (magic, kind) != (b"lCRF", b"FOMC"):
        raise ValueError(f"{path} is not a crfsuite CRF model (it starts {data[:4]!r}).")
    labels = _strings(data, labels_at, path)
    if sorted(labels) != ["0", WORD_BEGINS]:
        raise ValueError(f"{path} tags with {labels}, not khmercut's two tags 0 and 1.")
    attributes = _strings(data, attributes_at, path)
    chunk, _, count = CHUNK.unpack_from(data, features_at)
    if chunk != b"FEAT":
        raise ValueError(f"{path} has no feature chunk where its header says.")
    slot = [0 if label == WORD_BEGINS else 1 for label in labels]  # label id -> 0 begins, 1 inside
    weights: dict[str, list[float]] = {}
    transitions = [[0.0, 0.0], [0.0, 0.0]]
    start = features_at + CHUNK.size
    for feature_kind, source, destination, weight in FEATURE.iter_unpack(
        memoryview(data)[start : start + count * FEATURE.size]
    ):
        if feature_kind == STATE:
            weights.setdefault(attributes[source], [0.0, 0.0])[slot[destination]] = weight
        elif feature_kind == TRANSITION:
            transitions[slot[source]][slot[destination]] = weight
    (bb, bi), (ib, ii) = transitions
    return Model({name: (pair[0], pair[1]) for name, pair in weights.items()}, ((bb, bi), (ib, ii)))


def _strings(data: bytes, at: int, path: Path) -> list[str]:
    """The strings of the CQDB table at offset `at`, in id order."""
    chunk, _, _, byte_order, count, backward_at = CQDB_HEADER.unpack_from(data, at)
    if chunk != b"CQDB" or byte_order != CQDB_BYTE_ORDER:
        raise ValueError(f"{path} has no string table where its header says.")
    strings = [""] * count
    for (offset,) in struct.iter_unpack("<I", memoryview(data)[at + backward_at : at + backward_at + 4 * count]):
        identity, size = CQDB_RECORD.unpack_from(data, at + offset)
        start = at + offset + CQDB_RECORD.size
        strings[identity] = data[start : start + size - 1].decode("utf-8")  # size counts the NUL
    return strings


@functools.cache
def khmercut_model() -> Model:
    """The model khmercut ships, read once per process."""
    return read_model(Path(khmercut.model_path))
