import json

from simulator.cli import main
from simulator.evaluation import evaluate
from simulator.evaluation.evaluate import LabelledReply, is_heldout, load_labelled


def test_gold_is_the_mean_of_the_passes():
    item = LabelledReply(id="x", scenario="s", style="", context="", reply="r", contradicts_ledger=False)
    base = {k: 0 for k in evaluate.SUBSKILLS}
    item.passes = [
        {**base, "exploration": 2, "data": 1, "empathy": 40, "evidence": 10, "penalties": ["blame", "absolute"]},
        {**base, "exploration": 1, "data": 0, "empathy": 60, "evidence": 20, "penalties": ["blame"]},
    ]
    gold = item.gold
    assert gold["empathy"] == 50 and gold["evidence"] == 15
    assert gold["exploration"] == 1 and gold["data"] == 0  # 1.5 and 0.5 round half down
    assert gold["penalties"] == ["blame"]


def test_split_is_deterministic_and_about_thirty_percent():
    ids = [f"z{i:03d}" for i in range(1000)]
    share = sum(map(is_heldout, ids)) / len(ids)
    assert 0.25 < share < 0.35
    assert [is_heldout(i) for i in ids] == [is_heldout(i) for i in ids]


def test_shipped_labelled_set_is_complete():
    items = load_labelled()
    assert len(items) >= 400
    assert {i.scenario for i in items} >= {"performance-feedback", "letting-go", "first-one-on-one", "peer-conflict", "no-promotion", "lateness"}
    assert sum(i.style.startswith("gaming") for i in items) >= 20
    for item in items:
        for labels in item.passes:
            assert all(0 <= labels[s] <= 2 for s in evaluate.SUBSKILLS)
            assert 0 <= labels["empathy"] <= 100 and 0 <= labels["evidence"] <= 100


def test_eval_prints_a_table_and_says_when_public_data_is_absent(tmp_path, capsys):
    assert main(["eval", "--public", str(tmp_path / "absent"), "--limit", "20"]) == 0
    out = capsys.readouterr().out
    assert "| own held-out" in out and "Spearman" in out
    assert "EPITOME Reddit | not found at" in out and "AnnoMI | not found at" in out


def test_eval_reads_public_sets_in_their_format(tmp_path, capsys):
    epi = tmp_path / "epitome"
    epi.mkdir()
    for name in evaluate.EPITOME_FILES.values():
        (epi / name).write_text(
            "sp_id,rp_id,seeker_post,response_post,level,rationales\n"
            'a,b,post,"That sounds so hard. What happened?",2,\n'
            "c,d,post,Go to a doctor.,0,\n"
        )
    (tmp_path / "annomi").mkdir()
    (tmp_path / "annomi" / "AnnoMI-simple.csv").write_text(
        "transcript_id,mi_quality,video_title,video_url,topic,utterance_id,interlocutor,timestamp,utterance_text,main_therapist_behaviour,client_talk_type\n"
        "0,high,t,u,x,0,therapist,0,What brings you here today?,question,n/a\n"
        "0,high,t,u,x,1,client,0,My wife.,n/a,neutral\n"
        "0,high,t,u,x,2,therapist,0,It sounds like she is worried about you.,reflection,n/a\n"
        "0,high,t,u,x,3,therapist,0,Thanks for coming in.,other,n/a\n"
    )
    rows = evaluate.evaluate_epitome(tmp_path, {"offline": evaluate.offline_predictor()})
    assert len(rows) == 6 and all(r.n == 2 for r in rows)
    annomi = evaluate.evaluate_annomi(tmp_path, {"offline": evaluate.offline_predictor()})
    assert [r.values["offline"] for r in annomi] == ["κ 1.00", "κ 1.00"]
    assert all(r.n == 3 for r in annomi)


def test_eval_with_a_judge_puts_both_scorers_in_one_table(tmp_path, monkeypatch, capsys):
    from .fake_openai import FakeOpenAI

    verdict = {
        "replies": [{
            "number": 1, "offers_support": False, "penalties": [], "better_phrasing": "",
            **{k: {"level": 0, "quote": ""} for k in evaluate.SUBSKILLS},
        }],
        "summary": "ok",
    }
    with FakeOpenAI() as server:
        server.responder = lambda body: json.dumps(verdict)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        assert main(["eval", "--judge", "gpt-4o-mini", "--sample", "5", "--public", str(tmp_path)]) == 0
        out = capsys.readouterr().out
        assert "| offline | judge gpt-4o-mini |" in out.splitlines()[0]
        assert len(server.chat_requests) == 5  # one request per sampled held-out reply


def _write_floors(path, floors):
    path.write_text("".join(f'"{name}" = {value}\n' for name, value in floors.items()))
    return path


def test_eval_exits_non_zero_when_a_figure_falls_under_its_floor(tmp_path, capsys):
    absent = str(tmp_path / "absent")
    floors = _write_floors(tmp_path / "floors.toml", {"own.empathy.spearman": 0.99, "own.data.kappa": -1.0, "epitome.exploration.present.f1": 50})
    assert main(["eval", "--public", absent, "--floors", str(floors)]) == 1
    err = capsys.readouterr().err
    assert "UNDER FLOOR: own.empathy.spearman = " in err and "is under its floor 0.99" in err
    assert "own.data.kappa" not in err.replace("floor not checked", "")  # a figure above its floor is not reported
    assert "floor not checked: epitome.exploration.present.f1" in err

    _write_floors(floors, {"own.empathy.spearman": -1.0, "own.evidence.spearman": -1.0})
    assert main(["eval", "--public", absent, "--floors", str(floors)]) == 0
    assert "Floors: 2 figures at or above their floors" in capsys.readouterr().err


def test_committed_floors_name_figures_the_harness_computes(tmp_path):
    from simulator.evaluation.floors import default_floors_file, load_floors

    floors = load_floors(default_floors_file())
    assert len(floors) >= 15
    (tmp_path / "epitome").mkdir()
    for name in evaluate.EPITOME_FILES.values():
        (tmp_path / "epitome" / name).write_text("sp_id,rp_id,seeker_post,response_post,level,rationales\na,b,p,What happened?,2,\nc,d,p,Ok.,0,\n")
    (tmp_path / "annomi").mkdir()
    (tmp_path / "annomi" / "AnnoMI-simple.csv").write_text(
        "interlocutor,utterance_text,main_therapist_behaviour\ntherapist,What brings you here?,question\ntherapist,It sounds hard.,reflection\n"
    )
    computed = evaluate.figures(evaluate.run(public=tmp_path, limit=30))
    assert set(floors) <= set(computed), set(floors) - set(computed)


def test_a_broken_floors_file_is_one_clear_error(tmp_path, capsys):
    bad = tmp_path / "floors.toml"
    bad.write_text('"own.empathy.spearman" = "high"\n')
    assert main(["eval", "--public", str(tmp_path), "--floors", str(bad)]) == 1
    assert "must be a number" in capsys.readouterr().err
