#!/usr/bin/env python3
"""make-evalpack.py - writes data/evalpack.jsonl, kolm's built-in eval pack.

Every item was written for kolm (no third-party text): general-knowledge
facts, arithmetic and English-language completions, each a raw prompt with
its expected continuation and a match rule (docs/ARTIFACT.md, "The eval
pack").  kolm pack uses this pack when --evalpack is not given, so the
printed journey needs no file the user lacks.  Deterministic: run it again
and the file is byte-identical.

    python3 tools/make-evalpack.py > data/evalpack.jsonl
"""
import json
import sys

FACTS = [
    ("The capital of France is", "Paris"),
    ("The capital of Italy is", "Rome"),
    ("The capital of Japan is", "Tokyo"),
    ("The capital of Germany is", "Berlin"),
    ("The capital of Spain is", "Madrid"),
    ("The capital of England is", "London"),
    ("The capital of Russia is", "Moscow"),
    ("The capital of Egypt is", "Cairo"),
    ("The capital of Canada is", "Ottawa"),
    ("The capital of Greece is", "Athens"),
    ("Water is made of hydrogen and", "oxygen"),
    ("The chemical symbol for gold is", "Au"),
    ("The chemical symbol for iron is", "Fe"),
    ("The largest planet in the solar system is", "Jupiter"),
    ("The planet closest to the Sun is", "Mercury"),
    ("The Earth orbits the", "Sun"),
    ("There are seven days in a", "week"),
    ("There are twelve months in a", "year"),
    ("A triangle has three", "sides"),
    ("A spider has eight", "legs"),
    ("Water freezes at 0 degrees", "Celsius"),
    ("The opposite of north is", "south"),
    ("The colour of a clear daytime sky is", "blue"),
    ("Bees make", "honey"),
    ("Cows give us", "milk"),
    ("The first month of the year is", "January"),
    ("The last month of the year is", "December"),
    ("The tallest mountain on Earth is Mount", "Everest"),
    ("The longest river in Africa is the", "Nile"),
    ("Romeo and Juliet was written by William", "Shakespeare"),
    ("The Mona Lisa was painted by Leonardo da", "Vinci"),
    ("The theory of relativity was developed by Albert", "Einstein"),
    ("The frozen form of water is called", "ice"),
    ("A baby cat is called a", "kitten"),
    ("A baby dog is called a", "puppy"),
]

LANGUAGE = [
    ("Monday, Tuesday, Wednesday,", "Thursday"),
    ("January, February, March,", "April"),
    ("one, two, three, four,", "five"),
    ("A, B, C, D, E,", "F"),
    ("The opposite of hot is", "cold"),
    ("The opposite of up is", "down"),
    ("The opposite of day is", "night"),
    ("The opposite of big is", "small"),
    ("The opposite of open is", "closed"),
    ("The opposite of left is", "right"),
    ("The plural of mouse is", "mice"),
    ("The plural of child is", "children"),
    ("The plural of foot is", "feet"),
    ("The plural of tooth is", "teeth"),
    ("The past tense of go is", "went"),
    ("The past tense of eat is", "ate"),
    ("The past tense of run is", "ran"),
    ("Once upon a", "time"),
    ("Good morning! How are", "you"),
    ("Thank you very", "much"),
    ("Happy birthday to", "you"),
    ("Ladies and", "gentlemen"),
    ("Better late than", "never"),
    ("Practice makes", "perfect"),
    ("The early bird catches the", "worm"),
    ("Actions speak louder than", "words"),
    ("Red, orange, yellow, green,", "blue"),
    ("Spring, summer, autumn,", "winter"),
    ("North, east, south,", "west"),
    ("Breakfast, lunch and", "dinner"),
    ("Knife, fork and", "spoon"),
    ("Salt and", "pepper"),
    ("Bread and", "butter"),
    ("Rock, paper,", "scissors"),
    ("Ready, set,", "go"),
]


def arithmetic():
    items = []
    for i, (a, b) in enumerate([(2, 3), (4, 5), (7, 8), (9, 6), (12, 7), (15, 10), (20, 22), (31, 14),
                                (45, 55), (100, 250), (8, 9)]):
        items.append(("%d + %d =" % (a, b), str(a + b)))
    for a, b in [(9, 4), (15, 7), (20, 5), (50, 25), (100, 1), (64, 32), (13, 13), (81, 9)]:
        items.append(("%d - %d =" % (a, b), str(a - b)))
    for a, b in [(2, 3), (4, 4), (6, 7), (9, 9), (10, 10), (12, 5), (3, 11), (8, 8)]:
        items.append(("%d x %d =" % (a, b), str(a * b)))
    for a, b in [(10, 2), (81, 9), (100, 4), (56, 7), (144, 12)]:
        items.append(("%d / %d =" % (a, b), str(a // b)))
    for n in [2, 3, 5, 10]:
        items.append(("%d, %d, %d, %d," % (n, 2 * n, 3 * n, 4 * n), str(5 * n)))
    return items


def main():
    out = sys.stdout
    groups = [("fact", FACTS, "prefix"), ("lang", LANGUAGE, "prefix"), ("math", arithmetic(), "prefix")]
    n = 0
    for tag, items, match in groups:
        for i, (prompt, expected) in enumerate(items):
            out.write(json.dumps({"id": "%s-%03d" % (tag, i), "prompt": prompt, "expected": expected, "match": match})
                      + "\n")
            n += 1
    assert n >= 100, n


if __name__ == "__main__":
    main()
