"""Turn what people type into exact values: amounts, rates, durations, yes/no, collection, facts.

Every keyword, unit and synonym lives in scripts_zh/lexicons/*.yaml; this package holds only logic.
parse_* functions raise ParseError and nothing else; extract_* functions never raise.
"""

from flows.parsing._amounts import parse_amount
from flows.parsing._core import ParseError, ParseProblem, normalise
from flows.parsing._durations import parse_duration_days
from flows.parsing._facts import LoanFacts, ProfileFacts, extract_loan_facts, extract_profile_facts
from flows.parsing._numerals import MAX_AMOUNT
from flows.parsing._rates import Rate, parse_rate
from flows.parsing._words import parse_collection, parse_third_party, parse_yes_no

__all__ = [
    "MAX_AMOUNT",
    "LoanFacts",
    "ParseError",
    "ParseProblem",
    "ProfileFacts",
    "Rate",
    "extract_loan_facts",
    "extract_profile_facts",
    "normalise",
    "parse_amount",
    "parse_collection",
    "parse_duration_days",
    "parse_rate",
    "parse_third_party",
    "parse_yes_no",
]
