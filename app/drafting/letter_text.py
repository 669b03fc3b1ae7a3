"""Letters are plain text for the post: markdown stripped, profanity removed (§6).

The markdown rules cover what chat models actually emit (headings, emphasis, bullets, code
fences, links, quotes, rules); a full markdown parser would turn the letter into HTML first
for no gain. The profanity list is short and deliberate: `better-profanity` (the best-known
library) has had no release since 2020 and masks with asterisks, which has no place in a
letter to a city, and the ML-based checkers pull in scikit-learn for a yes/no answer.
Words that are also names or places (Dick, Hell's Kitchen, Cockburn) are left out on purpose.
"""
from __future__ import annotations

import re

_FENCE = re.compile(r"^\s*(```|~~~).*$", re.MULTILINE)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*(.*?)\s*#*\s*$", re.MULTILINE)
_SETEXT = re.compile(r"^\s*(=+|-+)\s*$", re.MULTILINE)
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$", re.MULTILINE)
_QUOTE = re.compile(r"^\s*>\s?", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[-*+•]\s+", re.MULTILINE)
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.DOTALL)
_ITALIC_STAR = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC_UNDERSCORE = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"~~(.+?)~~")
_CODE = re.compile(r"`([^`\n]+)`")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)[^)]*\)")
_HTML_TAG = re.compile(r"</?(b|i|u|em|strong|p|br|div|span|h[1-6])\b[^>]*>", re.IGNORECASE)
_BLANK_RUNS = re.compile(r"\n{3,}")

# Stems; common endings (s, ed, er, ers, ing, y) are matched by the pattern below.
PROFANITY_STEMS = (
    "fuck", "motherfuck", "shit", "bullshit", "horseshit", "bitch", "bastard", "asshole",
    "arsehole", "jackass", "dumbass", "damn", "goddamn", "goddam", "crap", "piss", "cunt",
    "twat", "wanker", "prick", "douche", "douchebag", "bollocks", "slut", "whore", "retard",
    "wtf", "stfu",
)
_PROFANITY = re.compile(
    r"\b(?:" + "|".join(sorted(PROFANITY_STEMS, key=len, reverse=True)) +
    r")(?:s|es|ed|er|ers|ing|in|y|ty|ies)?\b(?:\s+off\b)?", re.IGNORECASE)
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([,.;:!?])")


def strip_markdown(text: str) -> str:
    text = text.replace("\r\n", "\n")
    text = _FENCE.sub("", text)
    text = _HEADING.sub(r"\1", text)
    text = _RULE.sub("", text)
    text = _SETEXT.sub("", text)
    text = _QUOTE.sub("", text)
    text = _BULLET.sub(r"\1", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _BOLD.sub(r"\2", text)
    text = _ITALIC_STAR.sub(r"\1", text)
    text = _ITALIC_UNDERSCORE.sub(r"\1", text)
    text = _STRIKE.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    return text


def contains_profanity(text: str) -> bool:
    return bool(_PROFANITY.search(text))


def remove_profanity(text: str) -> str:
    """Drop listed words (a formal letter reads better without them than with asterisks)."""
    text = _PROFANITY.sub("", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return _SPACES.sub(" ", text)


def clean_letter(text: str) -> str:
    """The one cleanup every letter passes: plain text, no profanity, tidy blank lines."""
    text = remove_profanity(strip_markdown(text or ""))
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip() + "\n"
