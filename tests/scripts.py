"""Scripted managers used by several tests: one line per manager message."""

EMPATHIC_SPECIFIC = [
    "Thanks for making the time. I'd like to talk about the last few weeks, and I really want to hear how things look for you. How has it been going?",
    (
        "I can see this has been a stressful stretch for you. On 3 March the deadline was missed by two weeks, "
        "which meant the team had to delay their work. What got in the way?"
    ),
    (
        "That makes sense. On 14 April you wrote \"This is wrong. Redo it.\" on pull request #482, "
        "and as a result he was stuck for two days. How do you think that landed?"
    ),
    "It sounds like you've been carrying a lot since February. How are you doing with all of it, honestly?",
    "I'm really sorry to hear that. That must be exhausting. What would help you most right now?",
    "I can take the extra load off you from next month. Let's agree a plan together. What would you want it to include?",
    "Thank you for telling me. What else would you like me to know?",
]

BLAMING_VAGUE = [
    "You've been missing deadlines and everyone says your attitude is a problem.",
    "You always do this. It's your fault.",
    "You need to get your act together. Calm down, it's not a big deal.",
    "Why can't you just be a team player? You're being so defensive.",
    "If this happens again it will go on your record.",
    "People are saying you're lazy and unprofessional.",
    "You never listen. I don't want to hear excuses.",
]

# Polite and factual, neither warm nor harsh: for long mixed conversations.
MIXED = [
    "Thanks for coming in. I'd like to talk about how things are going.",
    "On 3 March the deadline moved by two weeks. Did you know about that?",
    "How do you see the last month?",
    "Okay. Is there anything blocking you?",
    "What would you change about how the work is planned?",
    "Did the team know about the change?",
    "I noticed you were quieter in the last planning meeting. How was that for you?",
    "Right. Do you think the estimates were realistic?",
    "What happened with the handover?",
    "Okay, noted.",
    "How would you like us to follow up?",
    "Can we meet again next week?",
    "What else should I know?",
    "Is there anything you need from me?",
    "Thanks. Let's leave it there for today.",
]
