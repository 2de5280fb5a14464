"""Self-check for pyc_oracle_layers over a whole stdlib tree.

Usage (CPython 3.14, -I is fine):

    python3.14 -I selfcheck_layers.py [STDLIB_DIR] [--limit N] [--verbose]

For every ``*.py`` under STDLIB_DIR (default: the running interpreter's
stdlib) that compiles with ``compile(src, path, 'exec', dont_inherit=True)``:

* builds the .pyc bytes with ``_code_to_timestamp_pyc(code, 0, 0)``;
* ``op_marshal_refs`` (header=True; header=False on every 10th file, which
  must give the same nodes shifted by 16 bytes);
* cross-checks the marshal walker against ``marshal.loads``: same object
  structure and values, refs resolve to the *identical* loaded object,
  ref indices are 0..n-1 in stream order, frozenset items are in
  ``marshal.dumps`` order, and ``ref_count`` is exact (a ref to index
  ref_count-1 appended after the object loads, one to ref_count fails);
* ``op_layers``: decoded line tables equal ``co_positions()``, decoded
  exception tables equal ``dis._parse_exception_table``, localsplus
  names/kinds agree with co_varnames/co_cellvars/co_freevars;
* ``op_stages`` (optimize=0) on the source;
* every result is JSON-clean (dict/list/str/int/bool/None only) and, on a
  sample, byte-identical when recomputed.

Prints counts and timings; exit status 1 if anything failed.
"""

import base64
import dis
import json
import marshal
import os
import struct
import sys
import time
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import pyc_oracle_layers as L                    # noqa: E402
from importlib._bootstrap_external import _code_to_timestamp_pyc   # noqa: E402


class CheckFailure(Exception):
    pass


def fail(msg):
    raise CheckFailure(msg)


# --------------------------------------------------------------------------
# JSON cleanliness
# --------------------------------------------------------------------------

def check_json_clean(value, where="result"):
    stack = [(value, where)]
    while stack:
        v, w = stack.pop()
        t = type(v)
        if t is dict:
            for k, x in v.items():
                if type(k) is not str:
                    fail("%s: non-str key %r" % (w, k))
                stack.append((x, w + "." + k))
        elif t is list:
            for i, x in enumerate(v):
                stack.append((x, "%s[%d]" % (w, i)))
        elif t in (str, int, bool) or v is None:
            pass
        else:
            fail("%s: value of type %s" % (w, t.__name__))


# --------------------------------------------------------------------------
# Walker <-> marshal.loads structural comparison
# --------------------------------------------------------------------------

def _bits(x):
    return struct.pack("<d", x)


class WalkerComparer:
    """Compare the walker's _MObj tree with the object marshal.loads built."""

    def __init__(self):
        self.seen = {}          # id(mobj) -> loaded object (identity-checkable)
        self.frozensets = 0

    def compare(self, m, obj, where, identity=True):
        prev = self.seen.get(id(m))
        if prev is not None:
            if identity and prev[0] is not obj:
                fail("%s: shared (ref) object is not identical after loads" % where)
            return
        if identity:
            self.seen[id(m)] = (obj, m)
        tag = m.tag
        if tag == "none":
            ok = obj is None
        elif tag == "bool":
            ok = obj is m.value
        elif tag == "ellipsis":
            ok = obj is Ellipsis
        elif tag == "stopiter":
            ok = obj is StopIteration
        elif tag == "int":
            ok = type(obj) is int and obj == m.value
        elif tag == "float":
            ok = type(obj) is float and _bits(obj) == _bits(m.value)
        elif tag == "complex":
            ok = (type(obj) is complex and _bits(obj.real) == _bits(m.value.real)
                  and _bits(obj.imag) == _bits(m.value.imag))
        elif tag == "bytes":
            ok = type(obj) is bytes and obj == m.value
        elif tag == "str":
            ok = type(obj) is str and obj == m.value
        elif tag in ("tuple", "list"):
            ok = type(obj).__name__ == tag and len(obj) == len(m.value)
            if ok:
                for i, (mi, oi) in enumerate(zip(m.value, obj)):
                    self.compare(mi, oi, "%s[%d]" % (where, i))
        elif tag == "dict":
            ok = type(obj) is dict and len(obj) == len(m.value)
            if ok:
                for (mk, mv), (ok_, ov) in zip(m.value, obj.items()):
                    self.compare(mk, ok_, where + ".key")
                    self.compare(mv, ov, where + "[%r]" % (ok_,))
        elif tag in ("set", "frozenset"):
            ok = type(obj).__name__ == tag and len(obj) == len(m.value)
            if ok:
                self.frozensets += 1
                ordered = sorted(obj, key=marshal.dumps)
                for i, (mi, oi) in enumerate(zip(m.value, ordered)):
                    self.compare(mi, oi, "%s{%d}" % (where, i))
        elif tag == "slice":
            ok = type(obj) is slice
            if ok:
                for name, mi in zip(("start", "stop", "step"), m.value):
                    self.compare(mi, getattr(obj, name), where + "." + name)
        elif tag == "code":
            ok = isinstance(obj, types.CodeType)
            if ok:
                self.compare_code(m.value, obj, where)
        else:
            ok = False
        if not ok:
            fail("%s: walker %s %r vs loaded %s %r"
                 % (where, tag, L._short_text("", str(m.value)),
                    type(obj).__name__, L._short_text("", repr(obj))))

    def compare_code(self, f, co, where):
        where = "%s<code %s>" % (where, co.co_name)
        for key, attr in (("argcount", "co_argcount"),
                          ("posonlyargcount", "co_posonlyargcount"),
                          ("kwonlyargcount", "co_kwonlyargcount"),
                          ("stacksize", "co_stacksize"),
                          ("flags", "co_flags"),
                          ("firstlineno", "co_firstlineno")):
            if f[key] != getattr(co, attr):
                fail("%s: %s %r != %r" % (where, attr, f[key], getattr(co, attr)))
        # co_code is rebuilt on access (no identity), localsplus* are hidden.
        self.compare(f["code"], co.co_code, where + ".co_code", identity=False)
        self.compare(f["consts"], co.co_consts, where + ".co_consts")
        self.compare(f["names"], co.co_names, where + ".co_names")
        names = f["localsplusnames"]
        n = len(names.value)
        loaded_names = tuple(co._varname_from_oparg(i) for i in range(n))
        self.compare(names, loaded_names, where + ".localsplusnames", identity=False)
        for i, mi in enumerate(names.value):    # items are the real objects
            if self.seen.get(id(mi), (loaded_names[i],))[0] is not loaded_names[i]:
                fail("%s: localsplusnames[%d] not identical" % (where, i))
        kinds = f["localspluskinds"].value
        lp = [mi.value for mi in names.value]
        if tuple(x for x, k in zip(lp, kinds) if k & L.CO_FAST_LOCAL) != co.co_varnames:
            fail("%s: LOCAL kinds disagree with co_varnames" % where)
        if tuple(x for x, k in zip(lp, kinds) if k & L.CO_FAST_CELL) != co.co_cellvars:
            fail("%s: CELL kinds disagree with co_cellvars" % where)
        if tuple(x for x, k in zip(lp, kinds) if k & L.CO_FAST_FREE) != co.co_freevars:
            fail("%s: FREE kinds disagree with co_freevars" % where)
        self.compare(f["filename"], co.co_filename, where + ".co_filename")
        self.compare(f["name"], co.co_name, where + ".co_name")
        self.compare(f["qualname"], co.co_qualname, where + ".co_qualname")
        self.compare(f["linetable"], co.co_linetable, where + ".co_linetable")
        self.compare(f["exceptiontable"], co.co_exceptiontable,
                     where + ".co_exceptiontable")


def check_ref_count(payload, ref_count):
    """Independent check of ref_count using marshal.loads itself.

    A 2-tuple (payload-object, ref k): loads accepts k = ref_count-1 and
    rejects k = ref_count with "invalid reference".
    """
    def probe(k):
        data = b")\x02" + payload + b"r" + struct.pack("<i", k)
        try:
            marshal.loads(data)
            return True
        except ValueError as e:
            if "invalid reference" not in str(e):
                raise
            return False
    if ref_count and not probe(ref_count - 1):
        fail("loads rejects ref %d (< ref_count %d)" % (ref_count - 1, ref_count))
    if probe(ref_count):
        fail("loads accepts ref %d (== ref_count)" % ref_count)


# --------------------------------------------------------------------------
# op_layers cross-checks
# --------------------------------------------------------------------------

def expand_positions(entries):
    out = []
    for e in entries:
        out.extend([(e["line"], e["end_line"], e["col"], e["end_col"])] * e["units"])
    return out


def check_layers(result, root):
    codes = {}
    stack = [root]
    order = []
    while stack:
        c = stack.pop()
        order.append(c)
        stack.extend(reversed(L._child_codes(c)))
    objs = result["code_objects"]
    if len(objs) != len(order):
        fail("code_objects count %d != %d" % (len(objs), len(order)))
    paths = set()
    for o, co in zip(objs, order):
        f = o["fields"]
        if f["co_name"] != co.co_name or f["co_firstlineno"] != co.co_firstlineno:
            fail("%s: pre-order mismatch" % o["path"])
        if o["path"] in paths:
            fail("duplicate path %s" % o["path"])
        paths.add(o["path"])
        if f["co_linetable_error"] or f["co_exceptiontable_error"] or o["dis_error"]:
            fail("%s: decode error %r %r %r" % (o["path"], f["co_linetable_error"],
                                                  f["co_exceptiontable_error"], o["dis_error"]))
        mine = expand_positions(f["co_linetable"])
        ref = list(co.co_positions())
        if mine != ref:
            for i, (a, b) in enumerate(zip(mine, ref)):
                if a != b:
                    break
            else:
                i = min(len(mine), len(ref))
            fail("%s: linetable differs from co_positions at unit %d (%d vs %d units)"
                 % (o["path"], i, len(mine), len(ref)))
        exc = [(e["start"] * 2, e["end"] * 2, e["target"] * 2, e["depth"], e["lasti"])
               for e in f["co_exceptiontable"]]
        ref_exc = [(e.start, e.end, e.target, e.depth, e.lasti)
                   for e in dis._parse_exception_table(co)]
        if exc != ref_exc:
            fail("%s: exception table differs from dis._parse_exception_table" % o["path"])
        if len(o["instructions"]) == 0 and len(co.co_code):
            fail("%s: no instructions" % o["path"])
        if f["co_code_hex"] != co.co_code.hex():
            fail("%s: co_code_hex" % o["path"])
    return len(objs)


# --------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------

def iter_sources(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fn in sorted(filenames):
            if fn.endswith(".py"):
                yield os.path.join(dirpath, fn)


def b64(data):
    return base64.b64encode(data).decode("ascii")


def main(argv):
    root = os.path.dirname(os.__file__)
    limit = None
    verbose = False
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--limit":
            limit = int(args.pop(0))
        elif a == "--verbose":
            verbose = True
        else:
            root = a

    t_start = time.perf_counter()
    timing = {"compile": 0, "op_marshal_refs": 0, "walker_vs_loads": 0,
              "op_layers": 0, "layers_checks": 0, "op_stages": 0, "json_check": 0}
    counts = {"files": 0, "skipped_unreadable": 0, "skipped_compile": 0, "checked": 0, "failed": 0,
              "pyc_bytes": 0, "nodes": 0, "refs": 0, "code_objects": 0,
              "frozensets": 0, "stage_units": 0, "stage_units_uncertain": 0,
              "cfg_instrs": 0, "codegen_instrs": 0, "determinism_checked": 0}
    failures = []

    def timed(key, fn, *a):
        t0 = time.perf_counter()
        try:
            return fn(*a)
        finally:
            timing[key] += time.perf_counter() - t0

    for n, path in enumerate(iter_sources(root)):
        if limit is not None and n >= limit:
            break
        counts["files"] += 1
        try:
            with open(path, "rb") as fh:
                src = fh.read()
        except OSError:                 # e.g. dangling sitecustomize.py symlink
            counts["skipped_unreadable"] += 1
            continue
        t0 = time.perf_counter()
        try:
            code = compile(src, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError, UnicodeDecodeError, OverflowError,
                MemoryError, RecursionError):
            counts["skipped_compile"] += 1
            timing["compile"] += time.perf_counter() - t0
            continue
        pyc = bytes(_code_to_timestamp_pyc(code, 0, 0))
        timing["compile"] += time.perf_counter() - t0
        counts["pyc_bytes"] += len(pyc)
        try:
            # op_marshal_refs
            req = {"data": b64(pyc), "header": True}
            refs = timed("op_marshal_refs", L.op_marshal_refs, req)
            if refs["end_offset"] != len(pyc):
                fail("end_offset %d != %d" % (refs["end_offset"], len(pyc)))
            nodes = refs["nodes"]
            counts["nodes"] += len(nodes)
            counts["refs"] += refs["ref_count"]
            idx = [nd["ref_index"] for nd in nodes if nd["ref_index"] is not None]
            if idx != list(range(refs["ref_count"])):
                fail("ref indices are not 0..n-1 in stream order")
            for nd in nodes:
                if nd["type"] == "r" and not (0 <= nd["ref_target"] < refs["ref_count"]):
                    fail("bad ref_target")
            hdr = refs["header"]
            if not hdr["magic_ok"] or hdr["mtime"] != 0 or hdr["source_size"] != 0:
                fail("header %r" % hdr)
            if n % 10 == 0:
                raw = timed("op_marshal_refs", L.op_marshal_refs,
                            {"data": b64(pyc[16:]), "header": False})
                shifted = [dict(x, offset=x["offset"] + 16,
                                end_offset=x["end_offset"] + 16) for x in raw["nodes"]]
                if shifted != nodes or raw["header"] is not None:
                    fail("header=False walk differs")

            # walker vs marshal.loads
            def walker_vs_loads():
                with L._deep_recursion():
                    _w, root_m, _info = L._walk(pyc, True)
                    loaded = marshal.loads(pyc[16:])
                    cmp = WalkerComparer()
                    cmp.compare(root_m, loaded, "root")
                counts["frozensets"] += cmp.frozensets
                check_ref_count(pyc[16:], refs["ref_count"])
                return loaded
            loaded = timed("walker_vs_loads", walker_vs_loads)

            # op_layers
            layers = timed("op_layers", L.op_layers, {"pyc": b64(pyc), "header": True})
            counts["code_objects"] += timed("layers_checks", check_layers, layers, loaded)

            # op_stages
            stages = timed("op_stages", L.op_stages,
                           {"source": b64(src), "filename": path, "optimize": 0})
            for u in stages["units"]:
                counts["stage_units"] += 1
                counts["codegen_instrs"] += len(u["codegen"])
                if u["cfg"] is not None:
                    counts["cfg_instrs"] += len(u["cfg"])
                if not u["path_certain"]:
                    counts["stage_units_uncertain"] += 1
                    if verbose:
                        print("  uncertain stage path: %s %s" % (path, u["path"]))

            def json_checks():
                check_json_clean(refs, "marshal_refs")
                check_json_clean(layers, "layers")
                check_json_clean(stages, "stages")
                if n % 25 == 0:     # determinism sample
                    counts["determinism_checked"] += 1
                    again = (L.op_marshal_refs(req),
                             L.op_layers({"pyc": b64(pyc), "header": True}),
                             L.op_stages({"source": b64(src), "filename": path,
                                          "optimize": 0}))
                    if json.dumps(again) != json.dumps((refs, layers, stages)):
                        fail("non-deterministic output")
            timed("json_check", json_checks)
            counts["checked"] += 1
        except Exception as e:
            counts["failed"] += 1
            detail = "%s: %s" % (type(e).__name__, e)
            if isinstance(e, L.RequestError):
                detail += " %r" % (e.extra,)
            failures.append((path, detail))
            if verbose or len(failures) <= 20:
                print("FAIL %s: %s" % (path, detail))
                if not isinstance(e, (CheckFailure, L.RequestError)):
                    traceback.print_exc()

    counts["stage_child_failures"] = L.stage_child_failures
    total = time.perf_counter() - t_start
    print("stdlib dir: %s" % root)
    for k, v in counts.items():
        print("  %-24s %d" % (k, v))
    print("timings (s):")
    for k, v in timing.items():
        print("  %-24s %.1f" % (k, v))
    print("  %-24s %.1f" % ("total", total))
    if failures:
        print("FAILED: %d file(s)" % len(failures))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
