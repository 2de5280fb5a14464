"""Oracle side of the constant-folding differential test.

For many (constant, operator, constant) triples, builds the sequence

    RESUME 0; LOAD_CONST a; LOAD_CONST b; BINARY_OP op; RETURN_VALUE

(or a unary operator on one constant, or a set display tested with `in`)
and runs CPython's own ``_testinternalcapi.optimize_cfg`` on it: the result
is exactly what the CFG optimizer folds (or refuses to fold), safety limits
included. Writes one JSON line per case:

    {"kind": "binop"|"unary"|"set", "op": n, "consts": [...],
     "cfg": [[op, arg, l, el, c, ec], ...], "cfg_consts": [...]}
"""

import json
import math
import random
import struct
import sys

import _testinternalcapi
import opcode

sys.set_int_max_str_digits(0)
M = opcode.opmap


def enc(c):
    t = type(c)
    if c is None:
        return {"t": "None"}
    if c is Ellipsis:
        return {"t": "Ellipsis"}
    if t is bool:
        return {"t": "bool", "v": c}
    if t is int:
        return {"t": "int", "v": str(c)}
    if t is float:
        return {"t": "float", "v": struct.unpack("<Q", struct.pack("<d", c))[0]}
    if t is complex:
        return {"t": "complex",
                "re": struct.unpack("<Q", struct.pack("<d", c.real))[0],
                "im": struct.unpack("<Q", struct.pack("<d", c.imag))[0]}
    if t is str:
        return {"t": "str", "v": c.encode("utf-8", "surrogatepass").hex()}
    if t is bytes:
        return {"t": "bytes", "v": c.hex()}
    if t is tuple:
        return {"t": "tuple", "v": [enc(x) for x in c]}
    if t is frozenset:
        return {"t": "frozenset", "v": [enc(x) for x in c]}
    raise TypeError(t)


def instrs(seq):
    return [[op, -1 if arg is None else arg, l, el, c, ec]
            for (op, arg, l, el, c, ec) in seq.get_instructions()]


def values():
    inf, nan = float("inf"), float("nan")
    v = [None, Ellipsis, True, False,
         0, 1, -1, 2, 3, 7, -7, 10, 64, 65, 127, 128, 129, 255, 256, -5, -6, 1000,
         2**62, 2**63, -2**63, 2**64 - 1, 2**100, -2**100, 2**127, 2**128, 10**40, -10**40, 3**80,
         2**1023, 2**1024, 10**309,
         0.0, -0.0, 1.0, -1.0, 0.5, 1.5, -2.5, 3.0, 1e300, -1e300, 1e-320, 5e-324, 1e308, inf, -inf, nan,
         2.0**53, 0.1, 7.25,
         0j, -0j, complex(-0.0, 0.0), complex(-0.0, -0.0), 1j, -1j, 1 + 2j, complex(1.5, -0.5),
         complex(inf, 1), complex(1, nan), 1e300j,
         "", "a", "ab", "é", "\u20ac", "\U0001f600", "\udc80", "hello world", "x" * 100, "y" * 4096,
         "z" * 2048,
         b"", b"a", b"abc", b"\xff\x00", b"q" * 100, b"w" * 4097,
         (), (1,), (1, 2), (1, (2, 3)), ("a", b"b", None), tuple(range(100)), tuple(range(257)),
         ((1, 2),) * 20, (1.0, -0.0)]
    return v


def run(ops, consts):
    seq = _testinternalcapi.new_instruction_sequence()
    seq.addop(M["RESUME"], 0, 1, 1, 0, 0)
    for op, arg in ops:
        seq.addop(M[op], arg, 2, 2, 0, 5)
    seq.addop(M["RETURN_VALUE"], 0, 2, 2, 0, 5)
    out_consts = list(consts)
    out = _testinternalcapi.optimize_cfg(seq, out_consts, 0)
    return instrs(out), out_consts


def main():
    rnd = random.Random(314)
    vals = values()
    cases = []
    nb_ops = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 26, 4, 13]
    for a in vals:
        for b in vals:
            for op in nb_ops:
                cases.append(("binop", op, [a, b]))
    rnd.shuffle(cases)
    cases = cases[: int(sys.argv[1]) if len(sys.argv) > 1 else 30000]
    for a in vals:
        for u in ("UNARY_NEGATIVE", "UNARY_INVERT", "UNARY_NOT", "POSITIVE"):
            cases.append(("unary", u, [a]))
    for _ in range(300):
        items = [rnd.choice(vals[:60]) for _ in range(rnd.randrange(0, 6))]
        cases.append(("set", 0, items))
    for kind, op, consts in cases:
        consts = list(consts)
        if kind == "binop":
            ops = [("LOAD_CONST", 0), ("LOAD_CONST", 1), ("BINARY_OP", op)]
        elif kind == "unary":
            if op == "POSITIVE":
                ops = [("LOAD_CONST", 0), ("CALL_INTRINSIC_1", 5)]
            else:
                ops = [("LOAD_CONST", 0), (op, 0)]
            op = {"UNARY_NEGATIVE": 0, "UNARY_INVERT": 1, "UNARY_NOT": 2, "POSITIVE": 3}[op]
        else:
            # x in {c1, ..., cn}: BUILD_SET + CONTAINS_OP folds to a frozenset.
            consts = consts + ["x"]
            n = len(consts) - 1
            ops = [("LOAD_CONST", n)] + [("LOAD_CONST", i) for i in range(n)] + \
                  [("BUILD_SET", n), ("CONTAINS_OP", 0)]
        try:
            cfg, cfg_consts = run(ops, consts)
        except Exception as e:
            print(json.dumps({"kind": kind, "error": repr(e)}))
            continue
        print(json.dumps({"kind": kind, "op": op, "consts": [enc(c) for c in consts],
                          "cfg": cfg, "cfg_consts": [enc(c) for c in cfg_consts],
                          "ops": [[M[o], a] for o, a in ops]}))


if __name__ == "__main__":
    main()
