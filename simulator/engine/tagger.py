"""Tagger: finds the conversational moves in a manager's message.

The offline tagger is a set of transparent rules: each move has a handful of
regular expressions, and every match keeps its character span so the debrief can
highlight the exact words that earned or lost points. Each rule can be tested on
its own (`tests/test_tagger.py`).

Rules are matched case-insensitively against the message with typographic
apostrophes (’) folded to ASCII ('), so a rule only needs to spell "you're" one way.
Spans always index the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from simulator.moves import Move

# Feelings a person can have ("you seem frustrated", "I can see you're worried").
_FEELING = (
    r"(?:frustrat\w*|upset\w*|stress\w*|worr\w*|disappoint\w*|angry|anger|hurt\w*|overwhelm\w*|tired|exhaust\w*|"
    r"anxious|anxiety|nervous|shock\w*|surpris\w*|annoy\w*|uneasy|blindsided|sad|embarrass\w*|"
    r"scared|afraid|concerned|burn\w* out|burnt out|under pressure|demoralis\w*|demotivat\w*|discourag\w*)"
)
# Words for how hard a situation is for someone ("this must be hard").
_HARD = r"(?:hard|difficult|tough|stressful|frustrating|exhausting|painful|upsetting|awful|rough|a lot|not easy|unsettling|disappointing|a shock|horrible|draining|heavy)"
# "hard to <verb>" is about their feelings only for verbs of taking news in ("hard to hear");
# "hard to justify" is about a task and "hard for me" about someone else.
_NOT_A_TASK = r"(?! to (?!hear|take|process|accept|absorb|digest|deal|talk|go through|sit with)\w| for (?:me|us|the|our)\b)"
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_EVENT = (
    r"(?:meeting|stand-?up|review|retro(?:spective)?|1:1|one-on-one|call|planning|demo|all-hands|session|"
    r"sprint|workshop|presentation|interview|handover|shift|check-in|pull request|pr|thread|channel|email)"
)
# Counted things: "several" and "a hundred" are vague, so they are not data.
_NUMBER_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty)"
_COUNT_ADJ = r"(?:missed|late|overdue|separate|consecutive|working|business|unanswered|escalated|open|failed|customer)"
_UNIT = (
    r"(?:minutes?|mins?|hours?|days?|weeks?|months?|times|occasions|mornings|shifts|tickets|calls|deadlines|comments|"
    r"customers|people|engineers|percent|%|targets|goals|sprints|releases|reviews|incidents|escalations|complaints|bugs)"
)
_LABEL_WORD = (
    r"(?:lazy|unprofessional|rude|arrogant|careless|sloppy|toxic|incompetent|unreliable|immature|selfish|childish|"
    r"disrespectful|hostile|abrasive|entitled|useless|hopeless|unmotivated|disengaged|bad attitude|attitude problem|"
    r"not a team player|not committed)"
)
_LABEL_AFTER_YOU = r"(?:difficult|negative|aggressive|dramatic|emotional|defensive|a problem|a liability|a bully|too sensitive|too emotional|difficult to work with)"
# Phrases that invite the other person to explain ("tell me ...").
_INVITE = r"(?:tell me|talk me through|walk me through|help me understand|say more about|i(?:'d| would) (?:like|love) to (?:hear|understand|know))"
# Who is affected by behaviour.
_AFFECTED = (
    r"(?:team|customers?|clients?|release|colleagues?|project|launch|plans?|confidence|trust|work|engineers|developers|"
    r"agents|juniors|people|new starters|others|queue|roadmap)"
)

RULES: dict[Move, list[str]] = {
    Move.acknowledges_feelings: [
        rf"\bi (?:can )?(?:see|sense|imagine|hear|understand|know|get|realise|realize|appreciate)(?: that| how)? (?:this|that|it|you|you're|you are|you've)\b[^.?!]{{0,40}}\b(?:{_FEELING}|{_HARD}|unfair){_NOT_A_TASK}",
        rf"\byou(?: seem| sound| look| must be| might be| may be| must feel| might feel| probably feel|'re| are|'re feeling| are feeling| felt| feel)\s+(?:really |quite |pretty |so |a bit |a little |very |completely |rather )?{_FEELING}",
        rf"\b(?:that|this|it)(?: must| might| would|'s| is)? (?:sound|sounds|be|have been|has been|been|feel|feels|seem|seems)?\s*(?:really |so |very |incredibly |pretty |quite )?{_HARD}\b{_NOT_A_TASK}",
        rf"\bmust (?:be|feel|have been|have felt) (?:really |so |very |pretty |quite )?{_HARD}\b{_NOT_A_TASK}",
        rf"\b{_HARD} for you\b",
        r"\bi(?:'m| am) (?:so |really |very |truly )?sorry (?:to hear|that you|you|for what|this|about)",
        r"\bi (?:can )?(?:hear|see) (?:how much|that) (?:this|it) (?:matters|means|affects)",
        r"\bhow (?:are you|you're|you are) (?:feeling|holding up|doing with this)",
        r"\bthis (?:is|must be) (?:a lot|hard|difficult|not easy|not what you)",
        # warmth and concern (EPITOME emotional reactions), written from the framework's definition
        r"\bi(?:'m| am) (?:so |really |very |truly |genuinely )?sorry\b(?! (?:but|if|for being late|i'm late))",
        r"\b(?:that|this|it)(?:'s| is| sounds| must be)? (?:really |so |just )?(?:awful|terrible|horrible|rough|heartbreaking|sucks|crap)\b",
        r"\bi(?:'m| am) (?:here for you|in your corner|on your side)\b",
        r"\bi feel (?:so |really |very )?(?:sad|bad|sorry|awful) (?:for|about|that)\b",
        r"\bmy heart goes out\b",
        r"\b(?:sending (?:you )?(?:hugs|love|strength)|\(?hugs\)?)\b",
    ],
    Move.validates: [
        r"\b(?:that|it|this|your reaction|your frustration|your concern|your worry)(?:'s| is| would be| seems| sounds) (?:completely |totally |perfectly |entirely |really |very )?(?:understandable|fair|reasonable|natural|normal|valid|legitimate|a fair point)",
        # "that makes sense" on its own or about them; "X makes sense for the team" is about a plan
        r"\bmakes (?:total |complete |a lot of |perfect )?sense\b(?=\s*(?:[.,;:!?)—–-]|$|to me|that you|why you|you(?:'d| would)|to (?:feel|be|want|ask|worry)|given|after|if you))",
        r"\banyone (?:would|in your (?:position|shoes) would) (?:feel|be)\b",
        r"\byou have every right\b",
        r"\b(?:your|those|these) (?:feelings|concerns|frustrations?|worr(?:y|ies)|reactions?) (?:are|is) (?:valid|fair|legitimate|understandable|real)",
        r"\bi(?:'d| would) (?:feel|be) (?:the same|frustrated|upset|angry|disappointed|worried)\b",
        r"\byou(?:'re| are) (?:right|not wrong) (?:to|that|about)\b",
        r"\bthat(?:'s| is) a (?:fair|good|valid|reasonable) (?:point|question|concern)",
    ],
    Move.reflects: [
        r"\b(?:so )?(?:it )?(?:sounds|seems) (?:like|as if|as though) (?:you|you're|you've|it's|it has|it was|the|there|things|what)",
        r"\bwhat i(?:'m| am) hearing\b",
        r"\bif i (?:understand|hear|heard|get) (?:you |this |that |it )?(?:correctly|right)\b",
        r"^(?:so|ok(?:ay)?,? so),? you(?:'re| are| feel| felt| think| thought|'ve| have| were| want| need)\b",
        r"\byou(?:'re| are) saying\b",
        r"\bin other words\b",
        r"\b(?:let me|can i|i want to) (?:check|make sure|see if) i(?:'ve| have)? (?:understand|understood|got|heard|get)",
        r"\bit sounds like\b",
        # perspective-taking and shared experience (EPITOME interpretations)
        r"\bi (?:know|understand|get) (?:exactly )?(?:how|what) (?:you(?:'re| are)? (?:feel|feeling|mean|going through)|that feels|it feels|it's like)\b",
        r"\bi(?:'ve| have) been (?:there|through (?:this|that|the same|something similar|it))\b",
        r"\bi (?:went|go|am going) through (?:the same|something similar|this|that)\b",
        r"\b(?:the )?same (?:thing )?happened to me\b",
        r"\bi can relate\b",
        r"\bi (?:understand|get|can see) (?:why|how|what) you(?:'re| are| feel| felt| mean| were)?\b",
        # perspective-taking opener; "how things look from your side?" is a question instead
        r"\bfrom (?:your (?:point of view|perspective|side|end)|where you(?:'re| are) (?:sitting|standing)),(?!\s*(?:what|how|why|is|are|do|does|did)\b)",
    ],
    Move.open_question: [
        r"(?:^|(?<=[.!?])\s+|[,;:—–]\s*|\s-\s)(?:so |and |but |okay,? |ok,? )?(?:what|how|why|where|which|who|in what way)\b[^.!?]*\?",
        r"(?:^|(?<=[.!?])\s+|[,;:—–]\s*)(?:could|can|would|will) you (?:tell|walk|help me (?:understand|see)|describe|share|talk|say more|explain|give)\b[^.!?]*\?",
        # the invitation runs to the end of its sentence, but not into a repeated invitation
        rf"\b{_INVITE}\b(?:(?!{_INVITE})[^.!?\n])*",
    ],
    Move.closed_question: [
        r"(?:^|(?<=[.!?])\s+|[,;:—–]\s*|\s-\s)(?:so |and |but |okay,? |ok,? )?(?:do|does|did|is|are|was|were|can|could|will|would|have|has|had|should|shall|may|am|isn't|aren't|don't|didn't|won't|wouldn't|haven't)\b(?! you (?:tell|walk|help me (?:understand|see)|describe|share|talk|say more|explain|give)\b)[^.!?]*\?",
        # tag questions: "you knew the deadline had moved, right?"
        r"[^.!?]*,\s*(?:right|yes|correct|ok(?:ay)?|yeah|isn't it|wasn't it|don't you|didn't you|aren't you|weren't you)\s*\?",
        # any other sentence that ends in a question mark ("You've been sleeping badly?")
        r"(?:^|(?<=[.!?])\s+)[^.!?]{3,}\?",
    ],
    Move.offers_support: [
        r"\b(?:how|what) (?:can|could) (?:i|we) (?:do|help|change|support|offer|take off|adjust)\b",
        r"\bwhat (?:would|might|could) (?:help|make (?:this|it|things) easier|support you)\b",
        r"\bwhat (?:do you need|support (?:do|would|could))\b",
        r"\bi(?:'d| would|'m| am)(?: be)? (?:like|love|glad|happy|keen) to (?:help|support|find|arrange|work|write|set up|cover|pair|introduce|move)\b",
        r"\bi(?: can| could| will|'ll) (?:help|offer|arrange|move|cover|find|give|set up|adjust|reduce|free up|support|talk to|look into|pair|introduce)\b",
        r"\bmake sure you (?:get|have|can|are supported)\b",
        r"\btake (?:[\w-]+ ){0,3}off your plate\b",
        r"\blet(?:'s| us) (?:work|figure|find|look|agree|come up|plan|think|sort|talk about how)\b",
        r"\b(?:could|can|shall) we (?:agree|work out|find|figure out|plan|set up|try)\b",
        r"\b(?:we|i) (?:can|could|will|'ll) (?:try|adjust|arrange|move|look|find|reduce|change|set up|give|swap|rotate|pair)\b",
        r"\b(?:is there )?anything (?:i|we) can do\b",
        r"\bwould it help (?:if|to)\b",
        r"\b(?:employee assistance|eap|counsell?ing|outplacement|severance|coaching|mentoring|mentor)\b",
        r"\b(?:write|give|provide)(?: you)? a (?:good |positive |strong )?reference\b",
        r"\b(?:you can|you could|feel free to|happy for you to) (?:take|have|use|work) (?:some |a few days(?: of)? |a bit of |paid )?(?:time off|flexible hours|leave|from home)\b",
    ],
    Move.situation: [
        rf"\b(?:on|by|since|before|after|until) (?:the )?\d{{1,2}}(?:st|nd|rd|th)?(?: of)? {_MONTH}\b",
        rf"\b(?:on|by|since|before|after|until) {_MONTH} \d{{1,2}}(?:st|nd|rd|th)?\b",
        rf"\b(?:on|last|this|that|since) {_WEEKDAY}\b",
        r"\b(?:last|this|that) (?:week|sprint|month|quarter|morning|afternoon|friday|cycle)\b",
        r"\b(?:yesterday|this morning|earlier today)\b",
        rf"\b(?:in|at|during|after|before) (?:the|our|your|yesterday's|last week's|this morning's|monday's|tuesday's|wednesday's|thursday's|friday's|that|this) (?:[\w'-]+ ){{0,2}}{_EVENT}s?\b",
        r"\b(?:on|in) (?:pr|pull request|ticket|issue) ?#?\d+",
        r"\b\d{4}-\d{2}-\d{2}\b",
    ],
    Move.specific_behaviour: [
        # what they did, not what they seemed to feel or want
        r"\byou (?:said|wrote|commented|posted|replied|sent|arrived|came in|clocked in|logged in|left|missed|shipped|delivered|interrupted|raised your voice|walked out|cut (?:him|her|them|me) off|called|told|emailed|pushed|merged|closed|rejected|submitted|skipped|(?:didn't|did not|haven't|have not)(?! (?:seem|appear|care|want|feel|think|bother|try))|were \w+ minutes late|were late|arrived late|turned up|spoke over|rolled your eyes|hung up)\b",
        r"\b(?:said|wrote|commented|posted|replied|messaged)(?: to \w+)?[:,]? [\"“'‘]",
        r"\bi (?:noticed|saw|observed|read|watched|heard you|counted) (?:that )?(?:you|your)\b(?! (?:seem|look|appear|feel)\b)",
        r"\b(?:was|were) (?:due|delivered|shipped|handed in|finished|submitted) (?:on|by)\b",
        r"\b(?:shipped|delivered|landed|arrived|came in|started) (?:on|at) (?:the )?\d[\d:.]*(?:st|nd|rd|th)?",
        r"\b(?:arrived|came in|clocked in|logged in|started) \w+ minutes late\b",
    ],
    Move.impact: [
        r"\b(?:which|that|this|it) (?:meant|means|caused|causes|led to|leads to|resulted in|left|put|forced|delayed|affected|affects|made it|cost|pushed|blocked|broke)\b",
        # stating the impact, not announcing it as a topic ("let's talk about the impact of ...")
        r"\bthe (?:impact|effect|consequence|result)s?(?: (?:on|of) [\w' -]{1,40}?)? (?:was|were|is|are|has been|have been)\b",
        r"\bas a result\b",
        r"\bbecause of (?:that|this|the delay)\b",
        rf"\b(?:affected|impacted|hurt|delayed|blocked|slowed|undermined|embarrassed|discouraged|upset) (?:the|our|your|his|her|their) (?:[\w-]+ )?{_AFFECTED}\b",
        r"\b(?:(?:the |our |your )?(?:team|client|customer|colleague|engineer|agent|user|reviewer)s?|he|she|they|(?!(?:you|we|i|it|this|that|there)\b)(?-i:[A-Z][a-zà-ÿ]+)) (?:had to|were left|was left|couldn't|could not|lost|waited|ended up)\b",
        rf"\b(?:(?:the |our |your )?(?:team|client|customer|colleague|engineer|agent)s?|he|she|they) felt (?:really |quite |very )?(?:{_FEELING}|undermined|ignored|dismissed|left out|humiliated|unsupported)",
        r"\b(?:uncovered|unanswered|on hold|waiting) (?:for|phones?|calls?|queue)\b",
    ],
    Move.data: [
        r"\b\d+(?:[.,]\d+)?\s?(?:%|percent)",
        rf"\b\d+(?:st|nd|rd|th)? (?:of )?{_MONTH}\b",
        rf"\b{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?\b",
        rf"\b(?:\d+|{_NUMBER_WORD}|twice) (?:{_COUNT_ADJ} )?(?:{_UNIT})\b",
        r"\b\d+ (?:out )?of (?:the |your |our )?(?:last |past |first |next )?\d+\b",
        r"#\d+",
        r"\b\d{4}-\d{2}-\d{2}\b",
        r"\b\d{1,2}:\d{2}\b",
    ],
    Move.clear_message: [
        r"\bi(?:'ve| have)? (?:decided|made the decision|had to make the decision)\b",
        r"\bthe decision (?:is|has been|was)\b",
        r"\bi need (?:you to|to see|to talk|to tell)\b",
        r"\bwhat i need (?:is|from you)\b",
        r"\b(?:going forward|from now on),? (?:i|we)(?: need| expect|'d like| would like)\b",
        r"\bi want to be (?:clear|direct|straightforward|honest|upfront)\b",
        r"\bi(?:'d| would) like to (?:talk|speak) (?:with you |to you )?about\b",
        r"\b(?:i'm|i am) (?:here|meeting you) to (?:talk|tell|discuss)\b",
        r"\bmy concern is\b",
        r"\bthe expectation is\b",
        r"\b(?:we are|we're|i am|i'm) (?:ending|terminating) your (?:employment|contract)\b",
        r"\byour (?:last|final) day (?:will be|is)\b",
        r"\byou (?:were not|weren't|have not been|haven't been|won't be|will not be) (?:promoted|selected)\b",
        r"\b(?:this|that|it|the [\w-]+) (?:needs|has) to (?:change|stop|improve)\b",
    ],
    Move.label_judgment: [
        rf"\b{_LABEL_WORD}\b",
        rf"\byou(?:'re| are|'ve been| have been| were| seem| come across as| can be)(?: so| really| very| quite| a bit| being| just| always)* {_LABEL_AFTER_YOU}\b",
        r"\b(?:your|this|that) attitude\b",
        r"\b(?:not|isn't|aren't) (?:a |much of a )?team player\b",
        r"\bdrama\b",
    ],
    Move.absolute: [
        r"\b(?:you|he|she|they|it)(?:'re| are| is)? (?:always|never|constantly|forever)\b",
        r"\b(?:every single time|every time|all the time|every day|each and every|without fail|nothing ever|no one ever|never once|not once|not a single time)\b",
        r"\b(?:always|never) (?:late|on time|listen|deliver|meet|show|respond|reply)\w*",
    ],
    Move.blame: [
        r"\b(?:it's|it is|this is|that's|that is)(?: all| entirely| completely| totally)? (?:(?:your|your own) (?:fault|doing|mess|problem)|on you)\b",
        r"\bbecause of you\b",
        r"\byou (?:ruined|messed up|screwed up|let (?:\w+ ){1,3}down|dropped the ball|made us look|failed|wrecked|caused (?:this|all))\b",
        r"\bwhy (?:can't|won't|couldn't|didn't|can you not) you\b",
        r"\bwhy don't you ever\b",
        r"\bhow could you (?:let|do that|do this|not|forget|ignore|say that|be so)\b",
        r"\byou (?:should|shouldn't|should not|ought to) have (?!received\b)(?:\w+ed|\w+en|known|told|done|said|thought|come|gone|sent|let|got|put|kept|brought|made)\b",
        r"\bwhat were you thinking\b",
        r"\b(?:get your act together|sort yourself out|no excuses?|stop making excuses)\b",
        r"\b(?:need (?:you )?to|have to|must) step up\b(?! as| into| to)",
        r"\byour (?:fault|failure|mess)\b",
    ],
    Move.hearsay: [
        r"\b(?:people|everyone|everybody|some people|others|a few people|several people|the team|folks|someone|somebody|word|a lot of people) (?:say|says|said|are saying|have said|has said|told me|tell me|have told me|mentioned|have mentioned|has mentioned|are talking|have complained|complain|complained|are not happy|aren't happy|is going around)\b",
        # "people feel nervous at first" is not a report; "people feel that you ..." is
        r"\b(?:people|everyone|everybody|some people|others|a few people|several people|the team|folks) (?:think|thinks|feel|feels) (?:that |like )?(?:you|your)\b",
        # unnamed sources only: "I heard from Tomás" names the source, "I heard you say" is first-hand
        r"\bi(?:'ve| have)? heard (?:that|people|rumou?rs|some|things|you(?:'ve| have| were| are|'re)|from (?:people|others|a few|some|several|someone|somebody|around|various|a couple))\b",
        r"\b(?:i(?:'ve| have)? (?:had|received|got)|there (?:have been|were|are)) (?:a few |a couple of |some |several |a number of |lots of |a lot of )?complaints\b",
        r"\b(?:apparently|rumou?rs?|word is|the word on|i'm told|i am told|i was told)\b",
    ],
    Move.minimises: [
        r"\bcalm down\b",
        r"\b(?:(?:it's|it is|this is|that's|that is) (?:not|no|hardly)|(?:it|this|that) isn't) (?:(?:a |such a |that )?(?:big deal|big a deal|big thing)|(?:that|so|too) bad|the end of the world|personal|worth getting upset)",
        r"\bdon't (?:be so|take (?:it|this) so|take (?:it|this)|get so|get) (?:sensitive|personally|emotional|upset|worked up|defensive|dramatic)\b",
        r"\b(?:get over it|toughen up|cheer up|chill out|lighten up)\b",
        # "move on to the next item" and "relax the deadline" are not about feelings
        r"\b(?:just|need to|should|have to|try to) (?:relax|move on(?! to\b| with\b)|let it go)\b",
        r"\byou(?:'re| are) (?:overreacting|overthinking|being oversensitive)",
        r"\bno need to (?:be|get) (?:upset|emotional|defensive|worked up)",
        r"\bit(?:'s| is) (?:only|just) (?:feedback|a (?:job|review|comment|few minutes|deadline|code review))\b",
        r"\b(?:everyone|everybody) (?:has|goes through|deals with) (?:this|that|it)\b",
    ],
    Move.pressures: [
        r"\bor (?:else|you(?:'ll| will) be (?:fired|gone|out|let go))\b",
        r"\b(?:you(?:'ll| will)|you could|you might|you may) (?:be )?(?:lose|losing|be losing) your (?:job|position|role)\b",
        r"\b(?:final|last) warning\b",
        r"\b(?:this|it) (?:will|could|might|is going to) (?:affect|go on|end up (?:in|on)|hurt) your (?:review|record|file|bonus|rating|career)\b",
        r"\bif (?:this|it) happens (?:again|one more time)\b",
        # a threat, not "I'm not going to fire you"
        r"\b(?:i|we)(?:'ll| will| can| could| may| might| would)?(?: have to| need to| be forced to)? (?:fire|sack|let go of|get rid of|replace) you\b",
        r"(?<!not )\bgoing to (?:have to )?(?:fire|sack|let go of|get rid of|replace) you\b",
        r"\byou(?:'d| had) better\b",
        r"\b(?:think|consider) (?:very )?(?:carefully|hard) about your (?:future|position|job)\b",
        r"\b(?:there will be|you will face|you'll face) consequences\b",
        r"\bi don't want to hear (?:excuses|it|any)\b",
        r"\b(?:end of (?:discussion|story)|not up for (?:debate|discussion)|not negotiable|take it or leave it)\b",
        r"\bright now,? or\b",
    ],
}

_COMPILED: dict[Move, list[re.Pattern[str]]] = {}


def _compiled() -> dict[Move, list[re.Pattern[str]]]:
    if not _COMPILED:
        for move, patterns in RULES.items():
            _COMPILED[move] = [re.compile(p, re.IGNORECASE) for p in patterns]
    return _COMPILED


@dataclass(frozen=True)
class Span:
    move: Move
    start: int
    end: int
    text: str


@dataclass
class Tagging:
    """The moves found in one message, each with the spans that triggered it."""

    text: str
    spans: list[Span] = field(default_factory=list)
    source: str = "rules"

    @property
    def moves(self) -> set[Move]:
        return {s.move for s in self.spans}

    def spans_of(self, move: Move) -> list[Span]:
        return [s for s in self.spans if s.move == move]

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "moves": sorted(m.value for m in self.moves),
            "spans": [[s.move.value, s.start, s.end] for s in self.spans],
        }

    @classmethod
    def from_json(cls, text: str, data: dict) -> Tagging:
        spans = [Span(Move(m), a, b, text[a:b]) for m, a, b in data.get("spans", [])]
        return cls(text=text, spans=spans, source=data.get("source", "rules"))


class Tagger(Protocol):
    def tag(self, text: str) -> Tagging: ...


class RuleTagger:
    """Offline tagger: transparent regular-expression rules, one list per move."""

    def tag(self, text: str) -> Tagging:
        spans: list[Span] = []
        folded = _fold(text)
        for move, patterns in _compiled().items():
            seen: set[tuple[int, int]] = set()
            for pattern in patterns:
                for m in pattern.finditer(folded):
                    start, end = _trim(text, m.start(), m.end())
                    if end <= start or any(a <= start and end <= b for a, b in seen):
                        continue
                    seen.add((start, end))
                    spans.append(Span(move, start, end, text[start:end]))
        _resolve_conflicts(spans)
        spans.sort(key=lambda s: (s.start, s.end))
        return Tagging(text=text, spans=spans)


def _fold(text: str) -> str:
    """Typographic apostrophes to ASCII, one character for one, so offsets still index `text`."""
    return text.replace("\u2019", "'").replace("\u2018", "'")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\n,.!?;:-—–":
        start += 1
    while end > start and text[end - 1] in " \t\n,;:":
        end -= 1
    return start, end


def _resolve_conflicts(spans: list[Span]) -> None:
    """A question that is open is not also closed; an accusatory question ("why can't you",
    "what were you thinking", "how could you") is blame, not exploration."""
    blames = [s for s in spans if s.move == Move.blame and s.text.lower().startswith(("why", "what", "how"))]
    for s in list(spans):
        if s.move == Move.open_question and any(_overlap(s, b) for b in blames):
            spans.remove(s)
    opens = [s for s in spans if s.move == Move.open_question]
    for s in list(spans):
        if s.move == Move.closed_question and any(_overlap(s, o) for o in opens + blames):
            spans.remove(s)


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end
