"""Small helpers for the wording of messages: the indefinite article a word takes.

Example:
    >>> with_article("Artifact"), with_article("Model"), with_article("int")
    ('an Artifact', 'a Model', 'an int')
"""

from __future__ import annotations

__all__ = ["article", "plural", "with_article"]

#: Words spelled with a first vowel but said with a consonant sound ("a user", "a uint8").
_CONSONANT_SOUNDS = ("uint", "uni", "usa", "use", "usu", "one", "eu")
#: Words spelled with a first consonant but said with a vowel sound ("an ndarray").
_VOWEL_SOUNDS = ("ndarray", "hour", "honest")


def article(word: str) -> str:
    """``"an"`` or ``"a"``: the indefinite article ``word`` takes, by its first letters
    (a vowel, with the usual exceptions: "a user", "an ndarray"). Case is ignored.

    Example:
        >>> article("Artifact"), article("Transform"), article("uint8"), article("ndarray")
        ('an', 'a', 'a', 'an')
    """
    low = word.strip().lower()
    if low.startswith(_VOWEL_SOUNDS):
        return "an"
    if low[:1] in ("a", "e", "i", "o", "u") and not low.startswith(_CONSONANT_SOUNDS):
        return "an"
    return "a"


def with_article(word: str) -> str:
    """``word`` after its indefinite article (:func:`article`).

    Example:
        >>> with_article("CodeVersion"), with_article("object")
        ('a CodeVersion', 'an object')
    """
    return f"{article(word)} {word}"


def plural(n: int, one: str, many: str | None = None) -> str:
    """``n`` and the noun in the number it takes: ``one`` for 1, else ``many`` (default
    ``one + "s"``); thousands separated.

    Example:
        >>> plural(1, "finding"), plural(2, "finding"), plural(1200, "entry", "entries")
        ('1 finding', '2 findings', '1,200 entries')
    """
    return f"{n:,} {one if n == 1 else many or one + 's'}"
