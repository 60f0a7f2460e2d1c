"""The keyed hash every stored value goes through (agent.keys.KeyedHasher)."""

from __future__ import annotations

import hashlib
import hmac
import pickle

from agent.keys import make_hasher


def test_the_hash_is_hmac_sha256_of_the_utf8_value_under_the_key() -> None:
    key = bytes(range(32))
    hasher = make_hasher(key)
    for value in ["1234567890", "山田　太郎", "", "x" * 200, "1234-567890"]:
        assert hasher(value) == hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def test_values_do_not_leak_into_each_other() -> None:
    hasher = make_hasher(b"k" * 32)
    first = hasher("1234567890")
    hasher("2345678901")
    assert hasher("1234567890") == first  # each value starts from the keyed state, not the last one


def test_a_hasher_crosses_to_a_spawned_worker_as_its_key() -> None:
    hasher = make_hasher(b"q" * 32)
    clone = pickle.loads(pickle.dumps(hasher))
    assert clone("1234567890") == hasher("1234567890")
    assert make_hasher(b"r" * 32)("1234567890") != hasher("1234567890")
