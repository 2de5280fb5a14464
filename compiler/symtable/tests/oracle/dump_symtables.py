"""Dump CPython's symbol tables as canonical JSON lines.

Reads lines "relative-name<TAB>absolute-path" on stdin; for each writes one JSON line:
  {"name": ..., "status": "ok", "table": TABLE}
  {"name": ..., "status": "parse_error", "error": ERR}      (the parser rejects the source)
  {"name": ..., "status": "symtable_error", "error": ERR}   (future.c / symtable.c reject it)
TABLE = {"type", "name", "lineno", "nested", "varnames", "symbols" (name -> raw flags),
         "order" (names with flag bits below the scope, in dict order), "children": [TABLE...]}
ERR = {"type", "msg", "lineno", "offset", "end_lineno", "end_offset"}
With argument "--snippets", stdin is a JSON list of sources instead; a source _symtable accepts
also gets "compile_error" when compile(source, "<snippet>", "exec") rejects it (a codegen error),
and a rejected one gets "compile_error" too (compile() reports what _symtable does, unless the
AST preprocessor changed the tree first); an accepted one gets "codes" as in "--codes".
With argument "--codes", the input is as without arguments, and each line is
  {"name": ..., "codes": [[co_name, cellvars, freevars, flags], ...]}  (or "error": ...)
for every code object compile() makes (recursively through co_consts), except __annotate__
functions and what they contain; cellvars/freevars sorted, flags masked to what the symbol table
decides.
"""
import _symtable
import json
import sys

SCOPE_OFF = _symtable.SCOPE_OFF
LOW = (1 << SCOPE_OFF) - 1
PyCF_ONLY_AST = 0x400


def table(t):
    syms = t.symbols
    return {
        "type": t.type,
        "name": t.name,
        "lineno": t.lineno,
        "nested": bool(t.nested),
        "varnames": list(t.varnames),
        "symbols": dict(sorted(syms.items())),
        "order": [k for k, v in syms.items() if v & LOW],
        "children": [table(c) for c in t.children],
    }


def err(e):
    return {
        "type": type(e).__name__,
        "msg": getattr(e, "msg", str(e)),
        "lineno": getattr(e, "lineno", None),
        "offset": getattr(e, "offset", None),
        "end_lineno": getattr(e, "end_lineno", None),
        "end_offset": getattr(e, "end_offset", None),
    }


def one(name, source, filename, use_compile):
    try:
        compile(source, filename, "exec", PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as e:
        return {"name": name, "status": "parse_error", "error": err(e)}
    try:
        t = _symtable.symtable(source, filename, "exec")
        result = {"name": name, "status": "ok", "table": table(t)}
    except (SyntaxError, RecursionError) as e:
        result = {"name": name, "status": "symtable_error", "error": err(e)}
    if use_compile:
        try:
            co = compile(source, filename, "exec", dont_inherit=True)
            result["codes"] = []
            codes(co, result["codes"])
        except (SyntaxError, RecursionError) as e:
            result["compile_error"] = err(e)
    return result


# CO_OPTIMIZED CO_NEWLOCALS CO_VARARGS CO_VARKEYWORDS CO_NESTED CO_GENERATOR CO_COROUTINE
# CO_ASYNC_GENERATOR CO_HAS_DOCSTRING CO_METHOD
FLAG_MASK = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x80 | 0x200 | 0x4000000 | 0x8000000


def codes(co, out):
    if co.co_name == "__annotate__":
        return
    out.append([co.co_name, sorted(co.co_cellvars), sorted(co.co_freevars),
                co.co_flags & FLAG_MASK])
    for c in co.co_consts:
        if hasattr(c, "co_code"):
            codes(c, out)


def one_codes(name, source):
    try:
        co = compile(source, name, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as e:
        return {"name": name, "error": err(e)}
    out = []
    codes(co, out)
    return {"name": name, "codes": out}


def main():
    out = sys.stdout
    if len(sys.argv) > 1 and sys.argv[1] == "--snippets":
        for i, src in enumerate(json.load(sys.stdin)):
            out.write(json.dumps(one(str(i), src, "<snippet>", True)) + "\n")
        return
    want_codes = len(sys.argv) > 1 and sys.argv[1] == "--codes"
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line:
            continue
        name, path = line.split("\t", 1)
        with open(path, "rb") as f:
            source = f.read()
        if want_codes:
            out.write(json.dumps(one_codes(name, source)) + "\n")
        else:
            out.write(json.dumps(one(name, source, name, False)) + "\n")


main()
