"""The English analysis in fewer steps gives Whoosh's own chain's tokens, attribute for
attribute, on the sample site's text and on text made to catch the edges: accents, capitals
that fold to other letters, one-letter words, stop words, digits, apostrophes."""

from __future__ import annotations

import pickle
import random

import pytest
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.support.charset import accent_map

from search.schema import ENGLISH

WHOOSH = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter() | StemFilter()
OPTIONS = [
    {"positions": True, "chars": True},
    {"positions": True, "chars": True, "mode": "query"},
    {"positions": True, "chars": True, "removestops": False},
    {"positions": True, "chars": True, "no_morph": True},
    {"positions": False, "chars": False, "start_pos": 7, "start_char": 30},
]
EDGES = [
    "Défamation À L'ÉCOLE: naïve coöperation, Ærø and Øresund; İstanbul, STRASSE, Straße",
    "A I a i x Y o THE The of an AN 'tis it's I'm don't",
    "Hun Sen's CPP won 125 of 125 seats in 2018; the NEC said 6.9 million voted",
    "ÉÉÉ ééé ﬁnance ﬂoor Ｆｕｌｌｗｉｄｔｈ Ǆemal ǅ ǆ",
    "",
    "   ",
    "governments governed governing government's GOVERNMENT",
]
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèêëÉÈàâäÀçÇñÑöÖüÜßøØæÆıİ'’-0123456789   .,;"


def tokens(analyzer, text: str, options: dict) -> list[tuple]:
    return [
        (t.text, t.pos, t.startchar, t.endchar, t.stopped, t.boost) if options.get("positions") else (t.text, t.stopped)
        for t in analyzer(text, **options)
    ]


def sample_texts(corpus) -> list[str]:
    texts = []
    for number in corpus.order[:300]:
        record = corpus.article(number).truth(corpus.config.end)
        texts += [record["headline"] or "", record.get("standfirst") or "", *record["body"]]
    return texts


@pytest.mark.parametrize("options", OPTIONS, ids=lambda options: ",".join(f"{k}={v}" for k, v in options.items()))
def test_the_english_analysis_gives_whooshs_chains_tokens(corpus, options):
    rng = random.Random(1)
    made = ["".join(rng.choice(LETTERS) for _ in range(rng.randint(1, 80))) for _ in range(3000)]
    texts = [*EDGES, *sample_texts(corpus), *made]
    differing = [text for text in texts if tokens(ENGLISH, text, options) != tokens(WHOOSH, text, options)]
    assert not differing, differing[:3]


def test_the_analysis_survives_the_index_schemas_pickling():
    """Whoosh stores the schema, analyzers included, in the index's table of contents."""
    again = pickle.loads(pickle.dumps(ENGLISH))
    text = "The Défamation lawsuits were filed"
    assert tokens(again, text, OPTIONS[0]) == tokens(WHOOSH, text, OPTIONS[0]) == tokens(ENGLISH, text, OPTIONS[0])
