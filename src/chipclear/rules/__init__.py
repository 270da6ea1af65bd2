"""Regulation as effective-dated data: one file per legal action, with the codified and enforced layers."""

from chipclear.rules.loader import MergedClassification, RuleSet, load_rules, parse_rule_text
from chipclear.rules.schema import ClassificationSection, EnforcementPeriod, RuleAction, Test

__all__ = [
    "ClassificationSection",
    "EnforcementPeriod",
    "MergedClassification",
    "RuleAction",
    "RuleSet",
    "Test",
    "load_rules",
    "parse_rule_text",
]
