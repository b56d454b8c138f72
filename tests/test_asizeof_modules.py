"""asizeof(*modules) (benchmark W4): a module-level call counts every object
once, like an Asizer; against Pympler 1.1, every byte of the difference falls
in a category of docs/sizing.md ("asizeof(*modules) against Pympler 1.1"),
and the behaviours behind the categories hold.
"""
import importlib
import json
import os
import subprocess
import sys
import types

from pympler import asizeof as A
from pympler.asizeof import Asizer, asizeof, asizesof, flatsize, named_refs

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

W4_MODULES = ("os", "sys", "re", "json", "collections", "functools", "itertools", "typing",
              "ast", "inspect", "email", "http.client", "decimal", "datetime", "argparse")


def flat(o):
    return flatsize(o, align=8)


# ---- the behaviours behind the categories -----------------------------------------

class DunderSlots(object):
    __slots__ = ('__doc__', '__meta__', '__priv', 'plain')

    def __init__(self):
        self.__doc__ = 'd' * 100
        self.__meta__ = 'm' * 200
        self.__priv = 'p' * 300
        self.plain = 'x' * 400


def test_dunder_slot_values_counted():
    # CPython mangles __priv but not __doc__ / __meta__ (they end with '__');
    # Pympler 1.1 mangles all three and so misses the first two values.
    s = DunderSlots()
    names = [n for n, _ in named_refs(s)]
    assert {'__doc__', '__meta__', '_DunderSlots__priv', 'plain'} <= set(names)
    values = (s.__doc__, s.__meta__, s._DunderSlots__priv, s.plain)
    assert asizeof(s) == flat(s) + sum(flat(v) for v in values)


def test_struct_sequence_members_counted():
    fi = sys.float_info
    members = {id(v): v for v in fi}.values()
    assert [n for n, _ in named_refs(fi)][:3] == ['max', 'max_exp', 'max_10_exp']
    assert asizeof(fi) == flat(fi) + sum(flat(v) for v in members)


def test_own_module_counted_when_reached():
    # Pympler 1.1 never counts its own module object; ours counts the flat
    # size of every module reached as a referent, its own included.
    holder = [A]
    assert asizeof(holder) == flat(holder) + flat(A)


def test_module_dict_reached_again_counts_items_once():
    # inspect on 3.9/3.10 holds its own globals() (mod_dict): the module-level
    # call counted the items singly owned by that dict twice (once through the
    # module, once through the dict), 3,232 bytes more than an Asizer.
    m = types.ModuleType('selfish')
    m.payload = {'k': 'v' * 1000}
    m.glob = m.__dict__
    items = [x for kv in vars(m).items() for x in kv]
    expected = (flat(m) + sum(flat(x) for x in {id(x): x for x in items}.values()
                              if x is not m.__dict__)
                + flat(m.__dict__)        # the dict reached as the value 'glob'
                + flat('k') + flat(m.payload['k']))
    del items   # the shortcut needs the module's dict to be the payload's only owner
    assert Asizer().asizeof(m) == expected
    assert asizeof(m) == expected
    assert asizeof(m, align=8) == expected
    assert asizesof(m, m.payload) == Asizer().asizesof(m, m.payload)
    # the dict reached first, from another given object
    holder = [vars(m)]
    assert asizeof(holder, m) == Asizer().asizeof(holder, m)
    assert asizeof(holder, m) == expected + flat(holder)


def test_w4_module_level_equals_asizer():
    mods = tuple(importlib.import_module(n) for n in W4_MODULES)
    assert asizeof(*mods) == Asizer().asizeof(*mods)
    assert list(asizesof(*mods)) == list(Asizer().asizesof(*mods))


# ---- the whole W4 difference ---------------------------------------------------------

def test_w4_difference_explained(pympler11):
    env = dict(os.environ)
    # the pympler under test, whatever way this process found it
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(A.__file__))]
        + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    done = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "explain_w4.py"), "--json",
         "--pympler11", pympler11],
        capture_output=True, text=True, timeout=300, env=env, cwd=HERE)
    assert done.returncode == 0, done.stderr[-2000:]
    res = json.loads(done.stdout)
    assert res["unexplained"] == {}
    assert res["ours_total"] == res["ours_tree_total"]
    cats = res["categories"]
    diff = sum(b - a for a, b in cats.values())
    assert diff == res["ours_total"] - res["pympler11_total"]
    # typing._SpecialForm keeps its docstring in a '__doc__' slot
    assert cats["dunder-slots"][0] == 0 and cats["dunder-slots"][1] > 2000
    # at least the buffers of sys.stdin/stdout/stderr or re.Pattern group maps
    assert cats["gc-referents"][0] == 0 and cats["gc-referents"][1] > 1000
    assert cats["struct-sequence"][0] == 0 and cats["struct-sequence"][1] > 0
    assert cats["own-module"] == [0, flat(sys.modules["pympler.asizeof"])]
    assert res["common_objects"] > 3000
