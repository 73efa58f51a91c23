"""The index's Khmer words are khmercut's own: the project scores khmercut's CRF model itself
(search/khmer_segmenter.py), and khmercut, through python-crfsuite, is the oracle."""

from __future__ import annotations

import random
from pathlib import Path

import khmercut  # type: ignore[import-untyped]
import pytest

from search.khmer import ASCII_DIGITS, KHMER_PIECE
from search.khmer_segmenter import khmercut_model, read_model

KHMER_LETTERS = [chr(c) for c in (*range(0x1780, 0x1800), *range(0x19E0, 0x1A00))]


def pieces_of(text: str) -> list[str]:
    """The pieces the analyzer hands to the segmenter."""
    return [piece.group() for piece in KHMER_PIECE.finditer(text.translate(ASCII_DIGITS))]


def test_every_piece_of_the_khmer_edition_is_cut_as_khmercut_cuts_it(khmer_corpus):
    model, end = khmercut_model(), khmer_corpus.config.end
    pieces = {
        piece
        for i in khmer_corpus.order
        for field in ("headline", "standfirst", "body")
        for piece in pieces_of(str(khmer_corpus.article(i).truth(end)[field]))
    }
    assert len(pieces) > 5000
    differ = [piece for piece in sorted(pieces) if model.words(piece) != khmercut.tokenize(piece)]
    assert differ == []


def test_random_khmer_text_is_cut_as_khmercut_cuts_it():
    """Letters, signs, digits and symbols in any order, with some Latin and spaces among them:
    text no vocabulary would write, where a feature left out or misordered would show."""
    draw, model = random.Random(15), khmercut_model()
    alphabet = [*KHMER_LETTERS, *" .,?ab19"]
    texts = ["".join(draw.choices(alphabet, k=draw.randint(1, 40))) for _ in range(5000)]
    differ = [text for text in texts if model.words(text) != khmercut.tokenize(text)]
    assert differ == []


def test_the_weights_read_are_the_weights_crfsuite_dumps():
    """pycrfsuite's own dump of the model prints each weight to six decimals."""
    dumped, model = khmercut.load().info(), khmercut_model()
    label = {"1": 0, "0": 1}
    assert set(model.weights) == {attribute for attribute, _ in dumped.state_features}
    for attribute, pair in model.weights.items():
        for tag, slot in label.items():
            assert pair[slot] == pytest.approx(dumped.state_features.get((attribute, tag), 0.0), abs=5e-7)
    for (source, destination), weight in dumped.transitions.items():
        assert model.transitions[label[source]][label[destination]] == pytest.approx(weight, abs=5e-7)


def test_empty_text_has_no_words():
    assert khmercut_model().words("") == []


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "too short to be a crfsuite model"),
        (b"PK\x03\x04" + bytes(60), "is not a crfsuite CRF model"),
    ],
)
def test_a_file_that_is_no_crfsuite_model_is_refused_in_one_sentence(tmp_path: Path, content: bytes, said: str):
    path = tmp_path / "model.crfsuite"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=said) as refused:
        read_model(path)
    assert str(refused.value).count(".") == str(path).count(".") + 1
