"""asizeof(*modules): a module-level call counts every object once, like an
Asizer, when a given module's dict is also reached as an object.
"""
import importlib
import types

from pympler.asizeof import Asizer, asizeof, asizesof, flatsize

W4_MODULES = ("os", "sys", "re", "json", "collections", "functools", "itertools", "typing",
              "ast", "inspect", "email", "http.client", "decimal", "datetime", "argparse")


def flat(o):
    return flatsize(o, align=8)


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
