"""Print the candidate strings for compiler/compile/src/startup_interned.rs, one per line.

Run by the CPython 3.14 oracle (`$ORACLE -E -s -P interned_candidates.py`); the example
`gen_interned` and the test `interned_drift` run it, then ask the oracle worker which of
these strings are already interned when it compiles a request (see
compiler/compile/gen/interned_probe.rs).

Only strings that `intern_constants` (Objects/codeobject.c) would intern matter: ASCII
letters, digits and `_` (`should_intern_string`), at least two characters long (`''`
and one-character strings are immortal singletons, never replaced). A candidate that is
not interned is simply dropped by the probe, so this set only has to be a superset of
what a compiled source can meet. It is:

* every maximal run of name characters in the `.py` files of the oracle's stdlib (the
  frozen start-up modules are compiled from these files, so every identifier and
  string constant they intern appears there);
* every such run in the interpreter binary and its extension modules (the statically
  allocated `_Py_ID`/`_Py_STR` strings, method and member names of C types);
* `dir()` of every builtin module, of the objects in it, and of their types.

`init_code` also interns each code object's `co_qualname`, and a class body's
`__qualname__` constant is that same object: when an equal string is already interned,
the two become different objects. So the candidates also include the qualified name of
every nested class (those containing a `.`) in the oracle's stdlib.

The worker's own scripts are added by the caller (they are embedded in pyc-oracle).
"""

import ast
import os
import re
import sys
import sysconfig

if sys.version_info[:2] != (3, 14):
    sys.exit("interned_candidates.py must run under the CPython 3.14 oracle, not %s" % sys.version)

NAME_RUN = re.compile(rb"[A-Za-z0-9_]{2,}")
# A file defines a nested class only if some `class` statement is indented.
NESTED_CLASS = re.compile(rb"^[ \t]+class[ \t]", re.MULTILINE)


def nested_class_qualnames(body, prefix, out):
    """Qualified names (compiler_set_qualname) of the classes nested in `body`."""
    for node in body:
        if isinstance(node, ast.ClassDef):
            qualname = prefix + node.name
            if prefix:
                out.add(qualname)
            nested_class_qualnames(node.body, qualname + ".", out)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            nested_class_qualnames(node.body, prefix + node.name + ".<locals>.", out)
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                sub = getattr(node, field, None)
                if isinstance(sub, list):
                    nodes = [s for s in sub if isinstance(s, ast.AST)]
                    nested_class_qualnames(nodes, prefix, out)


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        # Dangling symlinks (Debian's sitecustomize.py) and unreadable files.
        return b""


def main():
    found = set()
    qualnames = set()
    stdlib = sysconfig.get_path("stdlib")
    for root, dirs, files in os.walk(stdlib):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                data = read(os.path.join(root, name))
                found.update(NAME_RUN.findall(data))
                if NESTED_CLASS.search(data):
                    try:
                        tree = ast.parse(data)
                    except (SyntaxError, ValueError):
                        continue
                    nested_class_qualnames(tree.body, "", qualnames)
    found.update(NAME_RUN.findall(read(sys.executable)))
    dynload = os.path.join(sysconfig.get_path("platstdlib"), "lib-dynload")
    if os.path.isdir(dynload):
        for name in sorted(os.listdir(dynload)):
            if name.endswith(".so"):
                found.update(NAME_RUN.findall(read(os.path.join(dynload, name))))
    words = {w.decode("ascii") for w in found}
    for modname in sys.builtin_module_names:
        try:
            mod = __import__(modname)
        except ImportError:
            continue
        words.update(dir(mod))
        for attr in dir(mod):
            obj = getattr(mod, attr, None)
            words.update(dir(obj))
            words.update(dir(type(obj)))
    name_chars = re.compile(r"[A-Za-z0-9_]{2,}\Z", re.ASCII)
    lines = sorted(w for w in words if name_chars.match(w)) + sorted(qualnames)
    sys.stdout.buffer.write("".join(line + "\n" for line in lines).encode("utf-8"))


main()
