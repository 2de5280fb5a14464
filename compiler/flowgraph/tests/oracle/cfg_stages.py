"""Oracle side of the flowgraph/assembler differential tests (run by CPython 3.14.10).

Reads file paths (one per line) on stdin. For each file, a forked child runs
``_testinternalcapi.compiler_codegen`` on the module and
``_testinternalcapi.optimize_cfg`` on every code unit, then writes one JSON
line to stdout:

    {"file": path, "nlocals": n, "annotations": bool,
     "codegen": [[op, arg, lineno, end_lineno, col, end_col], ...],
     "consts": [const, ...], "cfg": [...], "cfg_consts": [...],
     "units": [unit, ...]}                          # with --nested

or ``{"file": path, "error": "..."}``. ``units`` starts with the top-level
unit (real constants from the codegen metadata), followed by every nested
unit (``get_nested()``) matched to its compiled code object; nested units
have no constants metadata, so they get sentinel strings as constants. Each
unit carries its metadata and final code object fields (``meta``), the
codegen sequence, the ``optimize_cfg`` result and, with ``--assemble``, the
result of ``_testinternalcapi.assemble_code_object`` on that optimized
sequence.

A child per file: in 3.14.10 ``compiler_codegen`` corrupts the heap when the
module has module-level annotations, so nothing survives a file and the
child leaves with ``os._exit``.

Constants are encoded as tagged JSON values; objects the Rust side cannot
represent (code objects, slices) become ``{"t": "opaque", "kind": ..., "id": n}``
with ``id`` stable per object identity within one file.
"""

import ast
import json
import os
import struct
import sys

import _testinternalcapi

NESTED = "--nested" in sys.argv
ASSEMBLE = "--assemble" in sys.argv


class Enc:
    def __init__(self):
        self.ids = {}
        self.keep = []

    def opaque(self, obj, kind):
        key = id(obj)
        if key not in self.ids:
            self.ids[key] = len(self.ids)
            self.keep.append(obj)
        return {"t": "opaque", "kind": kind, "id": self.ids[key]}

    def const(self, c):
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
            return {"t": "tuple", "v": [self.const(x) for x in c]}
        if t is frozenset:
            return {"t": "frozenset", "v": [self.const(x) for x in c]}
        if t is slice:
            return self.opaque(c, "slice")
        return self.opaque(c, type(c).__name__)


def instrs(seq):
    return [[op, -1 if arg is None else arg, l, el, c, ec]
            for (op, arg, l, el, c, ec) in seq.get_instructions()]


def has_module_annotations(tree):
    """Module-level annotated assignments (outside functions and classes)."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.AnnAssign):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            stack.extend(getattr(node, field, ()) or ())
    return False


def child_codes(code):
    return [c for c in code.co_consts if isinstance(c, type(code))]


SPECIAL_CELLS = ("__class__", "__classdict__", "__conditional_annotations__")


def localsplusnames(code):
    """co_localsplusnames (get_co_localskinds is a dict: duplicates collapse)."""
    names = []
    while True:
        try:
            names.append(code._varname_from_oparg(len(names)))
        except IndexError:
            return names


def unit_meta(code):
    """The code unit metadata (as _PyCompile_CodeUnitMetadata) of a code object."""
    kinds = _testinternalcapi.get_co_localskinds(code)
    cells = list(code.co_cellvars)
    plain = sorted(n for n in cells if n not in SPECIAL_CELLS)
    cellvars = plain + [n for n in SPECIAL_CELLS if n in cells]
    freevars = list(code.co_freevars)
    return {
        "name": code.co_name,
        "qualname": code.co_qualname,
        "names": list(code.co_names),
        "varnames": list(code.co_varnames),
        "cellvars": cellvars,
        "freevars": freevars,
        "fasthidden": [n for n, k in kinds.items() if k & 0x10],
        "argcount": code.co_argcount - code.co_posonlyargcount,
        "posonlyargcount": code.co_posonlyargcount,
        "kwonlyargcount": code.co_kwonlyargcount,
        "firstlineno": code.co_firstlineno,
        "flags": code.co_flags,
        "nparams": code.co_argcount + code.co_kwonlyargcount
                   + bool(code.co_flags & 0x04) + bool(code.co_flags & 0x08),
        "final": {
            "code": code.co_code.hex(),
            "linetable": code.co_linetable.hex(),
            "exceptiontable": code.co_exceptiontable.hex(),
            "stacksize": code.co_stacksize,
            "localsplusnames": localsplusnames(code),
            "localspluskinds": kinds,
        },
    }


def match_nested(seq, code, out):
    """(sequence, code object) pairs of the nested units, depth first."""
    nested = seq.get_nested()
    kids = []
    for c in child_codes(code):
        if all(c is not k for k in kids):
            kids.append(c)
    seen = {}
    ki = 0
    for sub in nested:
        raw = sub.get_instructions()
        key = tuple(raw)
        if key in seen:
            continue
        resume_line = next((t[2] for t in raw if t[0] == 128), None)
        match = None
        for j in range(ki, len(kids)):
            if kids[j].co_firstlineno == resume_line:
                match = j
                break
        if match is None:
            continue
        ki = match + 1
        seen[key] = match
        out.append((sub, kids[match]))
        match_nested(sub, kids[match], out)


def sentinel(i):
    return "\udbff<c %d>" % i


def assemble(path, enc, seq, consts, meta):
    """_testinternalcapi.assemble_code_object on an optimized sequence."""
    md = {
        "name": meta["name"],
        "qualname": meta["qualname"],
        "consts": {(i, c): i for i, c in enumerate(consts)},
        "names": {n: i for i, n in enumerate(meta["names"])},
        "varnames": {n: i for i, n in enumerate(meta["varnames"])},
        "cellvars": {n: i for i, n in enumerate(meta["cellvars"])},
        "freevars": {n: len(meta["cellvars"]) + i for i, n in enumerate(meta["freevars"])},
        "fasthidden": {n: True for n in meta["fasthidden"]},
        "argcount": meta["argcount"],
        "posonlyargcount": meta["posonlyargcount"],
        "kwonlyargcount": meta["kwonlyargcount"],
        "firstlineno": meta["firstlineno"],
    }
    try:
        co = _testinternalcapi.assemble_code_object(path, seq, md)
    except Exception as e:
        return {"error": "%s: %s" % (type(e).__name__, e)}
    return {
        "code": co.co_code.hex(),
        "linetable": co.co_linetable.hex(),
        "exceptiontable": co.co_exceptiontable.hex(),
        "stacksize": co.co_stacksize,
        "flags": co.co_flags,
        "localsplusnames": localsplusnames(co),
        "localspluskinds": _testinternalcapi.get_co_localskinds(co),
        "consts": [enc.const(c) for c in co.co_consts],
        "names": list(co.co_names),
    }


def unit_result(path, enc, seq, code, top):
    """One code unit: codegen, optimize_cfg (with sentinel constants for
    nested units) and assemble_code_object on the optimized sequence."""
    meta = unit_meta(code)
    meta["final"]["consts"] = [enc.const(c) for c in code.co_consts]
    rows = instrs(seq)
    if top is not None:
        consts = top
    else:
        nconsts = 1 + max([r[1] for r in rows if r[0] == 82] + [0])
        consts = [sentinel(i) for i in range(nconsts)]
    res = {"meta": meta, "codegen": rows, "consts": [enc.const(c) for c in consts],
           "nlocals": code.co_nlocals}
    cfg_consts = list(consts)
    try:
        out = _testinternalcapi.optimize_cfg(seq, cfg_consts, code.co_nlocals)
    except Exception as e:
        res["error"] = "%s: %s" % (type(e).__name__, e)
        return res
    res["cfg"] = instrs(out)
    res["cfg_consts"] = [enc.const(c) for c in cfg_consts]
    if ASSEMBLE:
        res["assembled"] = assemble(path, enc, out, cfg_consts, meta)
    return res


def process(path):
    src = open(path, "rb").read()
    tree = ast.parse(src, path)
    enc = Enc()
    seq, md = _testinternalcapi.compiler_codegen(tree, path, 0, 0)
    code = compile(src, path, "exec", dont_inherit=True, optimize=0)
    top = unit_result(path, enc, seq, code, list(md["consts"]))
    res = {
        "file": path,
        "annotations": has_module_annotations(tree),
        "nlocals": top["nlocals"],
        "codegen": top["codegen"],
        "consts": top["consts"],
        "cfg": top.get("cfg"),
        "cfg_consts": top.get("cfg_consts"),
    }
    if "error" in top:
        res["error"] = top["error"]
    units = [top]
    if NESTED:
        pairs = []
        match_nested(seq, code, pairs)
        units += [unit_result(path, enc, s, c, None) for s, c in pairs]
        res["units"] = units
    return res


def main():
    import warnings
    warnings.simplefilter("ignore")
    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            try:
                res = process(path)
            except BaseException as e:
                res = {"file": path, "error": "%s: %s" % (type(e).__name__, e)}
            data = (json.dumps(res) + "\n").encode()
            view = memoryview(data)
            while view:
                view = view[os.write(wfd, view):]
            os._exit(0)
        os.close(wfd)
        chunks = []
        while True:
            chunk = os.read(rfd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(rfd)
        _, status = os.waitpid(pid, 0)
        data = b"".join(chunks)
        if not data:
            data = (json.dumps({"file": path, "error": "child died (status %d)" % status}) + "\n").encode()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
