"""v3_nn.bpe: merges on a text checked by hand, exact round trips of any Unicode, special
tokens, saving, and compression against the `tokenizers` library on the shared corpus."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from v3_nn.bpe import BytePairTokenizer

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "tinyshakespeare.txt"


def test_merges_of_the_textbook_example():
    """aaabdaaabac: aa -> Z, then ab -> Y (a tie with Za, broken by the smaller pair), then
    ZY -> X; what is left occurs once and is not merged."""
    tokenizer = BytePairTokenizer.train("aaabdaaabac", vocab_size=300)
    a, b, c, d = (ord(ch) for ch in "abcd")
    assert tokenizer.merges == [(a, a), (a, b), (256, 257)]
    assert tokenizer.encode("aaabdaaabac") == [258, d, 258, a, c]
    assert tokenizer.vocab[258] == b"aaab"


def test_merges_stay_inside_pieces_and_count_frequencies():
    """Pieces: the, " cat", " the" twice, " hat", " bat"; "at", "he" and "th" occur three
    times each, the tie going to the smaller pair of ids."""
    tokenizer = BytePairTokenizer.train("the cat the hat the bat", vocab_size=258)
    assert [tokenizer.vocab[i] for i in (256, 257)] == [b"at", b"he"]
    pieces = [tokenizer.decode([i]) for i in tokenizer.encode("the cat")]
    assert all(" " not in piece[1:] for piece in pieces)  # no token spans two words


@given(text=st.text(max_size=200))
def test_any_unicode_text_round_trips_exactly(text):
    tokenizer = SMALL
    assert tokenizer.decode(tokenizer.encode(text)) == text


SMALL = BytePairTokenizer.train(
    "Hello wörld! Ünïcödé 123 ... naïve café — 日本語のテキスト 🙂🙂 hello hello world\n\n" * 3,
    vocab_size=320,
    special_tokens=["<|endoftext|>"],
)


def test_special_tokens_are_whole_and_optional():
    eot = SMALL.special["<|endoftext|>"]
    assert eot == SMALL.vocab_size - 1
    ids = SMALL.encode("hello<|endoftext|>world")
    assert ids.count(eot) == 1 and SMALL.decode(ids) == "hello<|endoftext|>world"
    plain = SMALL.encode("hello<|endoftext|>world", allowed_special=())
    assert eot not in plain and SMALL.decode(plain) == "hello<|endoftext|>world"


def test_save_and_load(tmp_path):
    path = SMALL.save(tmp_path / "tokenizer.json")
    again = BytePairTokenizer.load(path)
    text = "naïve café 123 <|endoftext|> 🙂"
    assert again.encode(text) == SMALL.encode(text) and again.vocab_size == SMALL.vocab_size
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="not a gradlab BPE tokenizer"):
        BytePairTokenizer.load(tmp_path / "bad.json")


def test_a_vocabulary_smaller_than_the_bytes_is_refused():
    with pytest.raises(ValueError, match="at least 256"):
        BytePairTokenizer.train("abc", vocab_size=200)
    with pytest.raises(ValueError, match="out of range|outside the vocabulary"):
        SMALL.decode([SMALL.vocab_size])


@pytest.mark.skipif(not CORPUS.exists(), reason="the shared corpus is not on this machine")
def test_compression_matches_the_tokenizers_library_on_tiny_shakespeare():
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    text = CORPUS.read_text()[:200_000]
    train, held_out = text[:180_000], text[180_000:]
    ours = BytePairTokenizer.train(train, vocab_size=512)
    reference = Tokenizer(models.BPE())
    reference.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=512, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    reference.train_from_iterator([train], trainer)
    size = len(held_out.encode())
    our_rate = len(ours.encode(held_out)) / size
    their_rate = len(reference.encode(held_out).ids) / size
    assert abs(our_rate - their_rate) <= 0.03 * their_rate, (our_rate, their_rate)
    assert ours.decode(ours.encode(held_out)) == held_out
