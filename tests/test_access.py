"""Authorization in the data layer: every cross-user and cross-team read and write is refused,
on SQLite and on PostgreSQL (the `store` fixture runs each test on both)."""

from __future__ import annotations

import pytest

from simulator.errors import AccessDenied
from simulator.practice import PracticeService
from simulator.store.access import Access, Actor, Role, can_author, can_manage_teams
from simulator.store.db import MembershipRecord, UserRecord

PEOPLE = {
    "ana": ("red", Role.manager),  # the author
    "bob": ("red", Role.manager),  # same team, not a lead
    "lea": ("red", Role.team_lead),  # the author's team lead
    "tom": ("red", Role.trainer),
    "carl": ("blue", Role.manager),
    "lou": ("blue", Role.team_lead),  # another team's lead
    "adm": ("blue", Role.admin),
}
OTHERS = [p for p in PEOPLE if p != "ana"]


@pytest.fixture
def team_store(store):
    store.sync_teams(
        team_names={"red": "Red team", "blue": "Blue team"},
        people=[UserRecord(id=p, name=p.title(), email=f"{p}@example.com") for p in PEOPLE],
        roles=[MembershipRecord(team_id=t, user_id=p, role=r.value) for p, (t, r) in PEOPLE.items()],
    )
    return store


def service_for(store, library, user):
    return PracticeService(store, library, actor=Access(store).actor(user))


@pytest.fixture
def ana_session(team_store, library):
    """A finished session of ana's, with its debrief."""
    ana = service_for(team_store, library, "ana")
    view = ana.start(library["performance-feedback"], "ana", seed=1)
    turn = ana.take_turn(view.id, "On 3 March the report was two days late. How are things?", expected_revision=view.revision)
    for _ in turn:
        pass
    ana.finish(view.id)
    return view.id


def snapshot(store, session_id):
    return store.get_session(session_id), store.messages(session_id), store.get_debrief(session_id)


def test_the_author_reads_writes_and_shares_their_own_session(team_store, library, ana_session):
    access = Access(team_store)
    ana = access.actor("ana")
    assert access.messages(ana, ana_session)[0].role == "persona"
    assert access.debrief(ana, ana_session)["empathy"] >= 0
    access.share(ana, ana_session, scores=True, transcript=False)
    record = team_store.get_session(ana_session)
    assert (record.scores_shared, record.transcript_shared) == (True, False)
    assert service_for(team_store, library, "ana").resume(ana_session).id == ana_session


@pytest.mark.parametrize("other", OTHERS)
def test_an_unshared_session_is_refused_to_everyone_else(team_store, library, ana_session, other):
    access = Access(team_store)
    actor = access.actor(other)
    before = snapshot(team_store, ana_session)
    refusals = [
        lambda: access.messages(actor, ana_session),
        lambda: access.debrief(actor, ana_session),
        *[lambda need=need: access.session(actor, ana_session, need) for need in ("scores", "transcript", "write")],
        lambda: access.share(actor, ana_session, scores=True, transcript=True),
        lambda: access.export_user(actor, "ana"),
        lambda: access.delete_user(actor, "ana"),
    ]
    service = service_for(team_store, library, other)
    refusals += [
        lambda: service.resume(ana_session),
        lambda: service.take_turn(ana_session, "Let me add something.", expected_revision=before[0].revision),
        lambda: service.retry(ana_session, expected_revision=before[0].revision),
        lambda: service.finish(ana_session),
        lambda: service.replay(ana_session, 1, "A better reply", other),
        lambda: service.replay(ana_session, 1, "A better reply", "ana"),
        lambda: service.branches(ana_session),
        lambda: service.compare_replay(ana_session),
        lambda: service.start(library["performance-feedback"], "ana"),
    ]
    for attempt in refusals:
        with pytest.raises(AccessDenied):
            attempt()
    assert snapshot(team_store, ana_session) == before
    assert [r.id for r in team_store.list_sessions("ana")] == [ana_session]


def test_a_session_view_read_by_someone_else_cannot_be_written_through(team_store, library, ana_session):
    """take_turn's shortcut (the caller's view) is checked too: a lead it was shared with cannot write."""
    Access(team_store).share(Access(team_store).actor("ana"), ana_session, scores=True, transcript=True)
    lea = service_for(team_store, library, "lea")
    view = lea.resume(ana_session)  # shared: lea may read it
    with pytest.raises(AccessDenied):
        lea.take_turn(view.id, "Hello", expected_revision=view.revision, view=view)


def test_shared_scores_reach_the_authors_team_lead_only(team_store, ana_session):
    access = Access(team_store)
    access.share(access.actor("ana"), ana_session, scores=True, transcript=False)
    lea = access.actor("lea")
    assert access.debrief(lea, ana_session)["scenario_id"] == "performance-feedback"
    assert [r.id for r in access.shared_with_team(lea, "red")] == [ana_session]
    with pytest.raises(AccessDenied):  # the scores, not the transcript
        access.messages(lea, ana_session)
    for other in ("bob", "tom", "carl", "lou", "adm"):
        with pytest.raises(AccessDenied):
            access.debrief(access.actor(other), ana_session)
    for other, team in (("lou", "red"), ("bob", "red"), ("adm", "red"), ("lea", "blue"), ("carl", "blue")):
        with pytest.raises(AccessDenied):
            access.shared_with_team(access.actor(other), team)
    assert access.shared_with_team(access.actor("lou"), "blue") == []


def test_a_transcript_is_shared_only_explicitly_and_only_with_the_team_lead(team_store, ana_session):
    access = Access(team_store)
    lea = access.actor("lea")
    access.share(access.actor("ana"), ana_session, scores=True, transcript=False)
    assert access.shared_with_team(lea, "red", need="transcript") == []
    access.share(access.actor("ana"), ana_session, scores=False, transcript=True)
    assert len(access.messages(lea, ana_session)) >= 3
    with pytest.raises(AccessDenied):  # scores are shared separately
        access.debrief(lea, ana_session)
    for other in ("bob", "tom", "carl", "lou", "adm"):
        with pytest.raises(AccessDenied):
            access.messages(access.actor(other), ana_session)
    with pytest.raises(AccessDenied):  # reading is not writing
        access.share(lea, ana_session, scores=True, transcript=True)


def test_a_lead_loses_sight_when_the_author_leaves_the_team(team_store, ana_session):
    access = Access(team_store)
    access.share(access.actor("ana"), ana_session, scores=True, transcript=True)
    access.set_role(access.actor("adm"), "red", "ana", None)
    with pytest.raises(AccessDenied):
        access.debrief(access.actor("lea"), ana_session)


def test_a_missing_session_is_refused_like_someone_elses(team_store, ana_session):
    access = Access(team_store)
    with pytest.raises(AccessDenied) as missing:
        access.messages(access.actor("bob"), "0" * 32)
    with pytest.raises(AccessDenied) as foreign:
        access.messages(access.actor("bob"), ana_session)
    assert str(missing.value).replace("0" * 32, "X") == str(foreign.value).replace(ana_session, "X")


@pytest.mark.parametrize("other", [p for p in PEOPLE if p != "adm"])
def test_only_admins_manage_teams(team_store, other):
    access = Access(team_store)
    actor = access.actor(other)
    for attempt in (
        lambda: access.save_team(actor, "green", "Green"),
        lambda: access.save_team(actor, "red", "Renamed"),
        lambda: access.delete_team(actor, "blue"),
        lambda: access.set_role(actor, "red", other, Role.admin.value),
        lambda: access.set_role(actor, "red", "ana", None),
    ):
        with pytest.raises(AccessDenied):
            attempt()
    assert team_store.teams() == {"blue": "Blue team", "red": "Red team"}
    assert len(team_store.memberships()) == len(PEOPLE)


def test_an_admin_manages_teams(team_store):
    access = Access(team_store)
    adm = access.actor("adm")
    access.save_team(adm, "green", "Green team")
    access.set_role(adm, "green", "bob", Role.team_lead.value)
    assert access.actor("bob").roles == {"red": Role.manager, "green": Role.team_lead}
    access.delete_team(adm, "green")
    assert access.actor("bob").roles == {"red": Role.manager}
    assert can_manage_teams(adm) and not can_manage_teams(access.actor("lea"))


def test_trainers_and_admins_author_scenarios(team_store):
    access = Access(team_store)
    assert {p for p in PEOPLE if can_author(access.actor(p))} == {"tom", "adm"}
    assert can_author(access.actor("anyone", team_mode=False))  # local mode: the one user writes scenarios
    assert not can_author(Actor(user="nobody"))


def test_exporting_and_deleting_is_for_oneself_or_the_operator(team_store, library, ana_session):
    access = Access(team_store)
    bob = service_for(team_store, library, "bob")
    bob_session = bob.start(library["lateness"], "bob", seed=2).id
    assert [s["id"] for s in access.export_user(access.actor("ana"), "ana")["sessions"]] == [ana_session]
    assert [s["id"] for s in access.export_user(Actor.operator(), "bob")["sessions"]] == [bob_session]
    assert access.delete_user(access.actor("bob"), "bob") == 1
    assert team_store.get_session(bob_session) is None
    assert team_store.get_session(ana_session) is not None


def test_history_and_progress_are_the_practising_persons_own(team_store, library, ana_session):
    """History lists only the actor's sessions; progress over attempts is shown to the author, not to a lead
    reading a shared session; the attempts of someone else's session are refused outright when not shared."""
    ana, lea, bob = (service_for(team_store, library, p) for p in ("ana", "lea", "bob"))
    assert [p.record.id for p in ana.history()] == [ana_session]
    assert ana.history()[0].debrief is not None
    assert lea.history() == [] and bob.history() == []
    assert [p.record.id for p in ana.attempts(ana_session)] == [ana_session]
    with pytest.raises(AccessDenied):
        lea.attempts(ana_session)
    Access(team_store).share(Access(team_store).actor("ana"), ana_session, scores=True, transcript=True)
    assert lea.attempts(ana_session) == []
    with pytest.raises(AccessDenied):
        bob.attempts(ana_session)
