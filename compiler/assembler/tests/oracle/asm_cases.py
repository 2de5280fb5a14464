"""Oracle side of the targeted assembler tests.

Builds synthetic instruction sequences that stress the assembler (EXTENDED_ARG
on constants and jumps, long forward and backward jumps, exception handlers
far away, every location-table form: columns >= 128, large line deltas in
both directions, multi-line locations, missing columns, NEXT_LOCATION,
entries longer than 8 code units) and assembles each with
``_testinternalcapi.assemble_code_object``. One JSON line per case:

    {"name": ..., "seq": [[op, arg, l, el, c, ec], ...], "nconsts": n,
     "meta": {...}, "code": hex, "linetable": hex, "exceptiontable": hex,
     "stacksize": n}
"""

import json
import os
import random
import sys

import _testinternalcapi
import opcode

M = opcode.opmap
rnd = random.Random(2718)


def loc(line, col=0, end=None, endcol=None):
    return (line, line if end is None else end, col, col + 1 if endcol is None else endcol)


NOLOC = (-1, -1, -1, -1)
NEXT = (-2, -2, -2, -2)


def case(name, instrs, nconsts=1, varnames=(), firstlineno=1, labels=None):
    """instrs: list of (opname, arg, loc) or ("LABEL", name); jump args may be label names."""
    # Resolve labels to instruction indices.
    positions = {}
    flat = []
    for item in instrs:
        if item[0] == "LABEL":
            positions[item[1]] = len(flat)
        else:
            flat.append(item)
    rows = []
    for op, arg, l in flat:
        if isinstance(arg, str):
            arg = positions[arg]
        rows.append([M[op], arg, *l])
    seq = _testinternalcapi.new_instruction_sequence()
    for op, arg, *l in rows:
        seq.addop(op, arg, *l)
    consts = [("c%d" % i) for i in range(nconsts)]
    md = {
        "name": name, "qualname": name,
        "consts": {(i, c): i for i, c in enumerate(consts)},
        "names": {"n%d" % i: i for i in range(4)},
        "varnames": {v: i for i, v in enumerate(varnames)},
        "cellvars": {}, "freevars": {}, "fasthidden": {},
        "argcount": 0, "posonlyargcount": 0, "kwonlyargcount": 0,
        "firstlineno": firstlineno,
    }
    # A child per case: CPython itself may crash on synthetic input.
    sys.stdout.flush()
    pid = os.fork()
    if pid:
        _, status = os.waitpid(pid, 0)
        if status != 0:
            print(json.dumps({"name": name, "crashed": status}))
            sys.stdout.flush()
        return
    co = _testinternalcapi.assemble_code_object("cases.py", seq, md)
    print(json.dumps({
        "name": name, "seq": rows, "nconsts": nconsts, "varnames": list(varnames),
        "firstlineno": firstlineno,
        "code": co.co_code.hex(), "linetable": co.co_linetable.hex(),
        "exceptiontable": co.co_exceptiontable.hex(), "stacksize": co.co_stacksize,
    }))
    sys.stdout.flush()
    os._exit(0)


def ret(l):
    return [("LOAD_CONST", 0, l), ("RETURN_VALUE", 0, l)]


def main():
    # Constants beyond 255, 65535: EXTENDED_ARG prefixes.
    for n in (300, 70000):
        body = [("RESUME", 0, loc(1))]
        for i in range(0, n, max(1, n // 400)):
            body += [("LOAD_CONST", i, loc(2 + i % 7, i % 150)), ("POP_TOP", 0, loc(2))]
        case("many_consts_%d" % n, body + [("LOAD_CONST", n - 1, loc(3))] + [("RETURN_VALUE", 0, loc(3))],
             nconsts=n)
    # Long forward and backward jumps (EXTENDED_ARG on the jump, growing
    # sizes during resolve_jump_offsets).
    for n in (100, 127, 128, 200, 300, 5000):
        body = [("RESUME", 0, loc(1)), ("LABEL", "top"),
                ("LOAD_NAME", 0, loc(2)), ("POP_JUMP_IF_FALSE", "end", loc(2))]
        body += [("LOAD_NAME", 1, loc(3)), ("POP_TOP", 0, loc(3))] * n
        body += [("JUMP", "top", loc(4)), ("LABEL", "end")] + ret(loc(5))
        case("loop_%d" % n, body)
        body = [("RESUME", 0, loc(1)), ("JUMP", "far", loc(2))]
        body += [("NOP", 0, loc(3 + i)) for i in range(n)]
        body += [("LABEL", "far")] + ret(loc(9))
        case("forward_%d" % n, body)
    # Exception handlers: nested, far away, with and without lasti.
    for n in (3, 300):
        body = [("RESUME", 0, loc(1)),
                ("SETUP_FINALLY", "h1", loc(2)),
                ("SETUP_CLEANUP", "h2", loc(2))]
        body += [("LOAD_NAME", 0, loc(3)), ("POP_TOP", 0, loc(3))] * n
        body += [("POP_BLOCK", 0, loc(4)), ("POP_BLOCK", 0, loc(4))] + ret(loc(4))
        body += [("LABEL", "h2"), ("PUSH_EXC_INFO", 0, loc(5)), ("POP_TOP", 0, loc(5)),
                 ("POP_EXCEPT", 0, loc(5))] + ret(loc(5))
        body += [("LABEL", "h1"), ("PUSH_EXC_INFO", 0, loc(6)), ("POP_TOP", 0, loc(6)),
                 ("POP_EXCEPT", 0, loc(6))] + ret(loc(6))
        case("handlers_%d" % n, body)
    # Location forms.
    locs = [loc(1, 4, None, 9), loc(1, 79, None, 94), loc(1, 80, None, 81), loc(2, 3, None, 4),
            loc(4, 0, None, 127), loc(4, 0, None, 128), loc(4, 127, None, 127), loc(4, 200, None, 5000),
            (5, 5, -1, -1), (5, -1, -1, -1), (7, 9, 2, 3), (7, 7, 5, 3), (300, 300, 0, 1),
            (299, 299, 0, 1), (1, 1, 0, 1), (100000, 100002, 1000, 70000), NOLOC, (3, 3, 0, 0)]
    body = [("RESUME", 0, loc(1))]
    for i, l in enumerate(locs):
        body += [("LOAD_NAME", i % 4, l), ("POP_TOP", 0, l)]
    case("locations", body + ret(loc(2)))
    # Random locations, including runs longer than 8 code units.
    for k in range(20):
        body = [("RESUME", 0, loc(1))]
        line = rnd.randrange(1, 50)
        for _ in range(rnd.randrange(1, 60)):
            kind = rnd.randrange(8)
            if kind == 0:
                l = NOLOC
            elif kind == 1:
                l = (line, line, -1, -1)
            else:
                line = max(1, line + rnd.choice([0, 0, 1, 2, 3, -1, -5, 40, 200, -300]))
                c = rnd.choice([0, 5, 79, 80, 127, 128, 300])
                l = (line, line + rnd.choice([0, 0, 0, 1, 5]), c, c + rnd.choice([0, 1, 15, 16, 200]))
            body += [("LOAD_GLOBAL", 2 * rnd.randrange(4)) + (l,) if rnd.randrange(3) == 0 else ("LOAD_NAME", rnd.randrange(4), l),
                     ("POP_TOP", 0, l)]
        case("random_locations_%d" % k, body + ret(loc(2)), firstlineno=rnd.randrange(1, 30))
    # NEXT_LOCATION resolution (and a terminator with it).
    body = [("RESUME", 0, loc(1)), ("LOAD_NAME", 0, NEXT), ("POP_TOP", 0, loc(4, 3, None, 7)),
            ("LOAD_CONST", 0, NEXT), ("RETURN_VALUE", 0, NEXT)]
    case("next_location", body)
    # Locals: LOAD_FAST with EXTENDED_ARG.
    names = ["v%d" % i for i in range(300)]
    body = [("RESUME", 0, loc(1))]
    for i in (0, 1, 255, 256, 299):
        body += [("LOAD_CONST", 0, loc(2)), ("STORE_FAST", i, loc(2)), ("LOAD_FAST", i, loc(3)),
                 ("POP_TOP", 0, loc(3))]
    case("many_locals", body + ret(loc(4)), varnames=names)


if __name__ == "__main__":
    main()
