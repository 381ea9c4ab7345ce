"""The authorisation API: choosing the acting context (session users), and decisions, access
reviews and attributes for e-government services (API key)."""

from csam.authz.apis.acting import ActingChooseApi
from csam.authz.apis.decisions import AnswerSerializer, DecisionApi, DecisionBatchApi
from csam.authz.apis.lean import is_lean_decision_view, lean_decision_answer
from csam.authz.apis.parties import PersonAttributesApi, ServiceRepresentativesApi
from csam.authz.apis.questions import MAX_BATCH, OnBehalfOfSerializer, QuestionSerializer

__all__ = [
    "MAX_BATCH",
    "ActingChooseApi",
    "AnswerSerializer",
    "DecisionApi",
    "DecisionBatchApi",
    "OnBehalfOfSerializer",
    "PersonAttributesApi",
    "QuestionSerializer",
    "ServiceRepresentativesApi",
    "is_lean_decision_view",
    "lean_decision_answer",
]
