"""Dated ECCN 4E091 classification of AI model weights, with a trace of every test applied.

The tests are data (the ``model_classification`` section of a rule file); this module evaluates them with
three-valued logic: controlled = threshold met AND NOT published AND NOT derived-from-published AND NOT the
capability exclusion. A test on an unknown figure is unknown, and a result that depends on it is
``indeterminate`` naming the field, never a guess.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, NamedTuple

from pydantic import BaseModel, Field

from chipclear.classification import Status
from chipclear.decision import Reason
from chipclear.logic import Tri, t_and, t_not
from chipclear.models.loader import ModelCatalog, load_models
from chipclear.models.schema import AIModel
from chipclear.rules import RuleAction, RuleSet, load_rules
from chipclear.rules.model_schema import ModelClassificationSection
from chipclear.rules.schema import EnforcementPeriod, Layer

CONFIDENCE_WORD = {"H": "high", "M": "medium", "L": "low", "UNCONFIRMED": "unconfirmed"}  # for sentences


class ModelClassification(BaseModel):
    """The classify JSON of a model: the keys of a chip classification plus training_operations and published.
    ``item`` is the model as the catalog holds it (id, name, developer, compute and its sources ...)."""

    item: AIModel
    as_of: dt.date
    layer: str
    eccn: str | None
    status: Status
    training_operations: float | None
    training_operations_method: str
    published: bool | None  # weights "published" (734.7(a)) on as_of; None = unknown
    weights_published: str | None  # the date, "unknown", or None (not published)
    derived_from: str | None = None
    candidates: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    trace: list[Reason] = Field(default_factory=list)
    rules_version: str
    tpp: float | None = None  # a chip metric; always None for a model (shared Classification shape)
    # in a layer where the 4E091 requirement is not enforced: what the codified text says of these weights when it
    # classifies them 4E091 (or could), e.g. "4E091 in the codified text; its license requirement not enforced
    # since 2025-05-13 (...)"; None otherwise. The status stays not_controlled: no requirement applies in this layer.
    codified_text: str | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def metric_values(self) -> dict[str, float | bool | None]:
        """What a licensing condition can test about a model line."""
        return {"training_operations": self.training_operations}


def exact(value: float) -> Decimal:
    """A figure as its file wrote it (the shortest decimal that reads back to the float: ``3.8e25``, not the
    binary value), so sums and comparisons are exact: 3.8e25 + 6.2e25 is 1e26, not 9.999999999999999e25."""
    return Decimal(repr(float(value)))


def figure(value: Decimal | float) -> str:
    """Every significant digit, in the form ``9.99999999e+25`` (never rounded to look like the threshold)."""
    sign, digits, exp = (value if isinstance(value, Decimal) else exact(value)).normalize().as_tuple()
    assert isinstance(exp, int)
    mantissa = str(digits[0]) + ("." + "".join(map(str, digits[1:])) if len(digits) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{exp + len(digits) - 1:+03d}"


def _ops(value: Decimal | float | None) -> str:
    return "unknown" if value is None else figure(value)


def _in_force(rules: RuleSet, on: dt.date, layer: Layer) -> tuple[ModelClassificationSection, RuleAction] | None:
    actions = rules.in_force(on, "model_classification", layer)
    if not actions:
        return None
    action = actions[-1]
    assert action.model_classification is not None
    return action.model_classification, action


def _not_in_force(rules: RuleSet, on: dt.date, layer: Layer) -> Reason:
    actions = [a for a in rules.actions if a.model_classification is not None]
    if not actions:
        return Reason(rule="rules#none", citation=rules.version, detail="no AI model-weights ECCN in the rule data")
    action = actions[0]
    eccn = action.model_classification.eccn if action.model_classification else "?"
    if on < action.effective:
        return Reason(
            rule=f"{action.id}#not-yet-in-force",
            citation=action.citation,
            detail=f"no ECCN for AI model weights on {on}: {eccn} was added effective {action.effective}",
            confidence=action.confidence,
        )
    period = _suspension(action, on)
    why = f"{period.note} [{period.citation}]" if period else "not enforced"
    return Reason(
        rule=f"{action.id}#not-enforced",
        citation=period.citation if period else action.citation,
        detail=f"{eccn} is in the codified text from {action.effective} but not enforced on {on} ({layer} layer): {why}",
        confidence=period.confidence if period else action.confidence,
    )


def _suspension(action: RuleAction, on: dt.date) -> EnforcementPeriod | None:
    """The period in which ``action``'s model classification is not enforced, covering ``on``."""
    return next(
        (
            p
            for p in reversed(action.enforcement)
            if p.covers(on) and not p.enforced and (not p.sections or "model_classification" in p.sections)
        ),
        None,
    )


def _codified_reading(m: AIModel, base: AIModel | None, on: dt.date, rules: RuleSet) -> tuple[str, str | None] | None:
    """What the codified text says of weights that the enforced layer does not classify because the requirement is
    not enforced: "4E091 in the codified text; its license requirement not enforced since ..." (with the confidence
    of the figure it rests on), or None when the codified text does not classify them 4E091 (or could not)."""
    found = _in_force(rules, on, "codified")
    if found is None:
        return None
    sec, action = found
    period = _suspension(action, on)
    if period is None:
        return None
    status, _, _, missing, trace = _decide(m, base, on, sec, action)
    if status == "not_controlled":
        return None
    what = f"{sec.eccn} in the codified text" if status == "controlled" else f"could be {sec.eccn} in the codified text"
    if missing:
        what += f" (missing {', '.join(missing)})"
    low = "L" if any(r.confidence == "L" for r in trace) else None
    flag = " [LOW CONFIDENCE figure]" if low else ""
    return f"{what}{flag}; its license requirement not enforced since {period.start} ({period.citation})", low


class Figure(NamedTuple):
    """The model's training operations (Technical Note 2) and what is known about them."""

    ops: Decimal | None
    how: str  # how they were obtained
    missing: str | None  # the field missing when ``ops`` is None
    low: bool  # the figure rests on a low-confidence (L) figure, the model's own or its base model's
    floor: Decimal | None = None  # a lower bound when ``ops`` is unknown (a fine-tune's additional operations)
    # a derived model's stated total and base + additional when they differ (an unexplained gap): both are read
    alternative: Decimal | None = None


def _operations(model: AIModel, base: AIModel | None) -> Figure:
    c = model.compute
    add = model.additional_training_operations
    if c.operations is not None:
        if c.method == "six_n_d":
            how = f"6 x {_ops(c.parameters_used)} parameters x {_ops(c.tokens)} tokens"
        else:
            how = "reported" if c.method == "reported" else f"estimated, {CONFIDENCE_WORD[c.confidence]} confidence"
        if c.confidence == "L" and c.method != "estimate":
            how += ", low confidence"
        stated = exact(c.operations)
        other = None
        if base is not None and add is not None and base.training_operations is not None:
            summed = exact(base.training_operations) + exact(add)
            if summed != stated:
                other = summed
                how += (
                    f"; base {base.id} {_ops(base.training_operations)} + additional {_ops(add)} = {_ops(summed)},"
                    f" a gap of {_ops(stated - summed)} unexplained"
                )
        return Figure(stated, how, None, c.confidence == "L", alternative=other)
    if base is not None and add is not None:
        if base.training_operations is None:
            # pre-training plus the additional training is at least the additional training alone
            return Figure(None, "base unknown", f"training_operations of the base model {base.id}", False, exact(add))
        low = base.compute.confidence == "L"
        conf = f" ({CONFIDENCE_WORD[base.compute.confidence]} confidence)" if low else ""
        how = f"base {base.id} {_ops(base.training_operations)}{conf} + additional {_ops(add)}"
        return Figure(exact(base.training_operations) + exact(add), how, None, low)
    return Figure(None, "unknown", "training_operations", False)


GAP = "training_operations (the stated total and base + additional differ by an unexplained gap)"


def _threshold(sec: ModelClassificationSection, fig: Figure) -> tuple[Tri, str]:
    th = sec.threshold
    sym = {"ge": ">=", "gt": ">"}[th.op]
    line = exact(th.value)

    def meets(value: Decimal) -> bool:
        return value >= line if th.op == "ge" else value > line

    text = f"{th.id}: training operations {_ops(fig.ops)} ({fig.how}) {sym} {_ops(line)}"
    if fig.ops is None:
        if fig.floor is not None and meets(fig.floor):
            return True, f"{text}: yes (the additional operations {_ops(fig.floor)} alone meet it)"
        return None, f"{text}: unknown"
    met = meets(fig.ops)
    if fig.alternative is not None and meets(fig.alternative) != met:
        return (
            None,
            f"{text}: {'yes' if met else 'no'}, but base + additional {'does not' if met else 'does'}: undecided",
        )
    # A low-confidence figure (the model's own or its base model's) can show a model is over the line (flagged)
    # but never that it is under it (docs/models.md).
    if fig.low:
        if not met:
            return None, f"{text}: no by a low-confidence figure only, so undecided"
        return True, f"{text}: yes [LOW CONFIDENCE figure]"
    return met, f"{text}: {'yes' if met else 'no'}"


def _published(model: AIModel, on: dt.date) -> tuple[Tri, str]:
    published = model.published_on(on)
    when = model.weights_published
    if published is None:
        return None, "weights published? unknown (field weights_published)"
    if when is None:
        return False, "weights not published"
    if not published:
        return False, f"weights published only from {when}, after {on}"
    return True, f"weights published on {when}" + (f" ({model.weights_note})" if model.weights_note else "")


def _derived(
    sec: ModelClassificationSection, model: AIModel, base: AIModel | None, fig: Figure, on: dt.date
) -> tuple[Tri, str, set[str]]:
    """Is the model excluded as derived from published weights? True = excluded. The 25 % is read of the derived
    model's own operations (each figure of them, if its stated total and base + additional differ) and of the base
    model's; readings that disagree leave the test undecided, naming the reading (``share_reading``)."""
    ex = sec.derived_exclusion
    if base is None:
        return False, "not derived from another model", set()
    ops = fig.ops
    missing: set[str] = set()
    base_pub = base.published_on(on)
    base_text = {True: "published", False: "not published", None: "publication unknown"}[base_pub]
    if base_pub is None:
        missing.add(f"weights_published of the base model {base.id}")
    add = model.additional_training_operations
    if add is None:
        missing.add("additional_training_operations")
    if ops is None:
        missing.add("training_operations")
    if add is None or ops is None:
        unknown = "additional operations" if add is None else "training operations"
        return t_and([base_pub, None]), f"derived from {base.id} ({base_text}); {unknown} unknown", missing
    extra, floor, share = exact(add), exact(ex.absolute_operations), exact(ex.share_of_training)
    readings = [("the model's own", ops)]
    if fig.alternative is not None:
        readings.append(("base + additional", fig.alternative))
    if base.training_operations is not None:
        readings.append((f"the base model {base.id}'s", exact(base.training_operations)))
    answers = [(label, extra > max(floor, share * of), of) for label, of in readings]
    exceeds = answers[0][1]
    limit = max(floor, share * ops)
    detail = (
        f"derived from {base.id} (weights {base_text} on {on}{_since(base)}); additional operations {_ops(extra)} > "
        f"max({_ops(floor)}, {ex.share_of_training:g} x {_ops(ops)} = {_ops(share * ops)}) = {_ops(limit)}? "
        f"{'yes' if exceeds else 'no'}"
    )
    others = "; ".join(
        f"{ex.share_of_training:g} x {label} {_ops(of)}: limit {_ops(max(floor, share * of))}? {'yes' if a else 'no'}"
        for label, a, of in answers[1:]
    )
    if len({a for _, a, _ in answers}) == 1:
        return t_and([base_pub, not exceeds]), detail + (f" (and read as {others})" if others else ""), missing
    reading = ex.share_reading or "which training operations the 25 % is of"
    detail += f"; read as {others}: the readings disagree, undecided [{ex.share_reading_confidence}]: {reading}"
    if fig.alternative is not None and answers[0][1] != answers[1][1]:
        missing.add(GAP)
    if any(a != exceeds for label, a, _ in answers if label.startswith("the base model")):
        missing.add(SHARE_READING)
    return t_and([base_pub, None]), detail, missing


SHARE_READING = (
    "the reading of 4E091 Note 1's '25 % of the training operations' (of the derived model's own or of the base"
    " model's)"
)


def _since(base: AIModel) -> str:
    return f", from {base.weights_published}" if isinstance(base.weights_published, dt.date) else ""


def _capability(model: AIModel) -> tuple[Tri, str]:
    if model.capability_exclusion is None:
        return False, "not established (no BIS guidance, technical opinion or classification request result given)"
    basis = f" ({model.capability_exclusion_basis})" if model.capability_exclusion_basis else ""
    return model.capability_exclusion, ("applies" if model.capability_exclusion else "does not apply") + basis


def _decide(
    model: AIModel, base: AIModel | None, on: dt.date, sec: ModelClassificationSection, action: RuleAction
) -> tuple[Status, Decimal | None, str, list[str], list[Reason]]:
    fig = _operations(model, base)
    ops, how = fig.ops, fig.how
    trace: list[Reason] = []

    def step(cited: Any, detail: str, confidence: str | None = None) -> None:
        trace.append(
            Reason(
                rule=f"{action.id}#{cited.id}",
                citation=cited.citation,
                detail=detail,
                confidence=confidence or cited.confidence,
            )
        )

    low = "L" if fig.low else None
    sources = model.compute.sources or (base.compute.sources if base is not None and ops is not None else [])
    step(
        sec.operations_definition,
        f"'operations' of {model.name}: {_ops(ops)} ({how}); sources: {'; '.join(sources) or '-'}",
        low,
    )
    over, over_text = _threshold(sec, fig)
    step(sec.threshold, over_text, low)
    pub, pub_text = _published(model, on)
    step(sec.published_exclusion, f"{sec.published_exclusion.id}: {pub_text} -> " + _applies(pub))
    der, der_text, der_missing = _derived(sec, model, base, fig, on)
    step(sec.derived_exclusion, f"{sec.derived_exclusion.id}: {der_text} -> " + _applies(der))
    cap, cap_text = _capability(model)
    step(sec.capability_exclusion, f"{sec.capability_exclusion.id}: {cap_text} -> " + _applies(cap))
    result = t_and([over, t_not(pub), t_not(der), t_not(cap)])
    missing: list[str] = []
    if result is None:
        if over is None and fig.missing:
            missing.append(fig.missing)
        elif over is None and fig.alternative is not None:
            missing.append(GAP)
        elif over is None:
            missing.append("training_operations (only a low-confidence figure, below the threshold)")
        if pub is None:
            missing.append("weights_published")
        if der is None:
            missing.extend(sorted(der_missing))
        missing = list(dict.fromkeys(missing))  # the threshold and the derived test can miss the same figure
    outcomes: dict[Tri, Status] = {True: "controlled", False: "not_controlled", None: "indeterminate"}
    return outcomes[result], ops, how, missing, trace


def _applies(value: Tri) -> str:
    return {True: "exclusion applies", False: "exclusion does not apply", None: "undecided"}[value]


def classify_model(
    model: AIModel | str,
    as_of: dt.date | None = None,
    layer: Layer = "enforced",
    rules: RuleSet | None = None,
    catalog: ModelCatalog | None = None,
) -> ModelClassification:
    """Classify the weights of ``model`` (a catalog id/name or an AIModel) under the rules in force on ``as_of``."""
    cat = catalog or load_models()
    rules = rules or load_rules()
    on = as_of or dt.date.today()
    m = cat.get(model) if isinstance(model, str) else model
    base = cat.get(m.derived_from) if m.derived_from else None
    common: dict[str, Any] = {
        "item": m,
        "as_of": on,
        "layer": layer,
        "published": m.published_on(on),
        "weights_published": None if m.weights_published is None else str(m.weights_published),
        "derived_from": m.derived_from,
        "rules_version": rules.version,
    }
    found = _in_force(rules, on, layer)
    if found is None:
        ops, how = _operations(m, base)[:2]
        trace = [_not_in_force(rules, on, layer)]
        codified = _codified_reading(m, base, on, rules) if layer != "codified" else None
        if codified is not None:  # 4E091 in the text, not enforced: said so, not "not in 4E091" (the status stays)
            text, low = codified
            detail = f"weights of {m.name} as of {on} ({layer} rules): {text}"
            trace.append(Reason(rule="classify#result", citation=rules.version, detail=detail, confidence=low))
        else:
            trace.append(_conclusion(m, on, layer, None, "not_controlled", [], rules.version, trace[0].detail))
        return ModelClassification(
            **common,
            eccn=None,
            status="not_controlled",
            training_operations=None if ops is None else float(ops),
            training_operations_method=how,
            trace=trace,
            codified_text=codified[0] if codified is not None else None,
        )
    sec, action = found
    status, ops, how, missing, trace = _decide(m, base, on, sec, action)
    eccn = sec.eccn if status == "controlled" else None
    deciding = [r.detail for r in trace[1:] if not r.detail.endswith("exclusion does not apply")]
    low = "L" if any(r.confidence == "L" for r in trace) else None
    trace.append(_conclusion(m, on, layer, sec.eccn, status, missing, rules.version, "; ".join(deciding), low))
    return ModelClassification(
        **common,
        eccn=eccn,
        status=status,
        training_operations=None if ops is None else float(ops),
        training_operations_method=how,
        candidates=[sec.eccn] if status == "indeterminate" else [],
        missing=missing,
        trace=trace,
    )


def _conclusion(
    m: AIModel,
    on: dt.date,
    layer: str,
    eccn: str | None,
    status: str,
    missing: list[str],
    version: str,
    why: str,
    confidence: str | None = None,
) -> Reason:
    """The result, with the steps that decided it (a decision on a model line shows only this reason); ``confidence``
    "L" when it rests on a low-confidence figure."""
    if status == "controlled":
        detail = f"weights of {m.name} classified {eccn} as of {on} ({layer} rules)"
    elif status == "indeterminate":
        detail = f"weights of {m.name} indeterminate as of {on} ({layer} rules): could be {eccn}; missing {', '.join(missing)}"
    else:
        detail = (
            f"weights of {m.name} not in 4E091 as of {on} ({layer} rules); other ECCNs (e.g. EAR99) are not assessed"
        )
    return Reason(
        rule="classify#result", citation=version, detail=f"{detail}. {why}" if why else detail, confidence=confidence
    )


__all__ = ["ModelClassification", "classify_model"]
