"""May this person act, for this company or person (or themselves), in this service, with this
role — now or at a past moment? One SQL statement gathers every fact that could answer it;
Python then explains the answer.

The statement reads, for the subject and the represented party: the subject's grants of the role
in the company, their legal representations of it, the whole chain of mandates from the
represented party down to the depth limit (recursive CTE, each link covering the role by domain,
service or role), and the subject's grants "for clients" at the companies those chains reach.
It reads history too (ended grants, refused or revoked mandates), so a refusal names every reason
and "as of" a past moment is answered from the same rows: nothing is ever deleted, and each
fact's period and its end time say whether it held then.
"""

from csam.authz.decisions.cached import answer_asks, decide_cached, decide_cached_many
from csam.authz.decisions.questions import (
    COMPANY,
    PERSON,
    SELF,
    UNKNOWN_ROLE,
    UNKNOWN_SERVICE,
    Answer,
    Ask,
    Facts,
    Question,
    Reason,
)
from csam.authz.decisions.rules import (
    decide_question,
    decide_questions,
    evaluate,
    now_and_today,
)
from csam.authz.decisions.statement import gather_facts, gather_facts_many

__all__ = [
    "COMPANY",
    "PERSON",
    "SELF",
    "UNKNOWN_ROLE",
    "UNKNOWN_SERVICE",
    "Answer",
    "Ask",
    "Facts",
    "Question",
    "Reason",
    "answer_asks",
    "decide_cached",
    "decide_cached_many",
    "decide_question",
    "decide_questions",
    "evaluate",
    "gather_facts",
    "gather_facts_many",
    "now_and_today",
]
