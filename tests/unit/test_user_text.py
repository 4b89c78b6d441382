"""posecoach never suggests drugs or diagnoses: every user-facing string is scanned.

What is scanned: every string literal in posecoach/ that is not a docstring (messages, cues,
screens, questions, help), every string in the exercise and routine files, and README.md.
A question ("Do you have osteoporosis ...?") asks, it does not claim, so the claim check reads
statements only; drug names are refused everywhere.
"""

import ast
import re
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT

MEDICATION = re.compile(
    r"\b(ibuprofen|paracetamol|acetaminophen|aspirin|naproxen|diclofenac|codeine|co-codamol|tramadol|morphine|"
    r"oxycodone|fentanyl|gabapentin|pregabalin|amitriptyline|duloxetine|diazepam|cyclobenzaprine|baclofen|"
    r"nsaids?|opioids?|painkillers?|pain killers?|muscle relaxants?|anti-inflammator\w*|analgesics?|tablets?|"
    r"pills?|capsules?|prescriptions?|dosage)\b", re.IGNORECASE)
CONDITIONS = (r"sciatica|slipped disc|(?:a |the )?disc|herniat\w*|prolapse\w*|fracture\w*|tumou?rs?|cancer|"
              r"infection|cauda equina|arthritis|stenosis|osteoporosis|spondyl\w*|nerve damage|inflammation")
CLAIM = re.compile(
    rf"\byou(?: have| have got|'ve got| are suffering from| suffer from| probably have| may have| might have)"
    rf"(?: a| an)?(?: \w+)? ({CONDITIONS})\b"
    rf"|\b(?:this|it|that|these|which)(?: is| means| could be| may be| might be| is likely| are)"
    rf"(?: probably| likely)?(?: a| an)?(?: sign| signs| symptom| symptoms)?(?: of)? ({CONDITIONS})\b"
    r"|\bdiagnos\w*", re.IGNORECASE)
NOT_A_DIAGNOSIS = re.compile(r"\bnot (?:a )?diagnos\w*|\bno diagnos\w*", re.IGNORECASE)


def _python_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def _toml_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _toml_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _toml_strings(v)]
    return []


def user_texts() -> list[tuple[str, str]]:
    texts = [(str(p.relative_to(ROOT)), s) for p in sorted((ROOT / "posecoach").rglob("*.py"))
             for s in _python_strings(p)]
    for pattern in ("exercises/*.toml", "exercises/routines/*.toml"):
        for p in sorted(ROOT.glob(pattern)):
            texts += [(str(p.relative_to(ROOT)), s) for s in _toml_strings(tomllib.loads(p.read_text()))]
    texts.append(("README.md", (ROOT / "README.md").read_text(encoding="utf-8")))
    return texts


def statements(text: str) -> list[str]:
    """Sentences that are not questions."""
    return [s for s in re.split(r"(?<=[.!?\n])\s+", text) if s.strip() and not s.rstrip().endswith("?")]


def test_the_scan_sees_the_strings_that_matter():
    texts = " ".join(s for _, s in user_texts())
    for expected in ("Seek urgent medical care now", "Is there new numbness", "Lie on your back",
                     "Go for a walk every day", "## Privacy"):
        assert expected in texts


def test_no_medication_is_named_anywhere_the_person_reads():
    found = [(where, m.group(0)) for where, text in user_texts() for m in MEDICATION.finditer(text)]
    assert found == []


def test_no_diagnosis_is_claimed_anywhere_the_person_reads():
    found = [(where, sentence.strip()[:90]) for where, text in user_texts() for sentence in statements(text)
             if CLAIM.search(NOT_A_DIAGNOSIS.sub("", sentence))]
    assert found == []


@pytest.mark.parametrize("claim", ["You have sciatica.", "This is a slipped disc.", "It may be a sign of cancer.",
                                   "Take ibuprofen for the pain.", "These signs mean a diagnosis of stenosis.",
                                   "You probably have a herniated disc."])
def test_the_scan_would_catch_a_drug_or_a_diagnosis(claim):
    assert MEDICATION.search(claim) or CLAIM.search(NOT_A_DIAGNOSIS.sub("", claim))


def test_a_question_or_a_disclaimer_is_not_a_claim():
    text = "Do you have osteoporosis (thin bones)? posecoach is not a diagnosis."
    assert not any(CLAIM.search(NOT_A_DIAGNOSIS.sub("", s)) for s in statements(text))
