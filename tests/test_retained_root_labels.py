"""The labels of a snapshot's roots stay with their roots when a module is in
sys.modules under two names (``os.path`` is ``posixpath``): the engine keeps
one node per object, so a second label would shift every later one."""
import os
import sys
import types

from pympler import muppy, retained


def test_an_aliased_module_does_not_shift_the_root_labels():
    alias = types.ModuleType("pympler_alias_probe")
    sys.modules["pympler_alias_probe"] = alias
    sys.modules["pympler_alias_probe_2"] = alias
    try:
        assert sys.modules["os.path"] is os.path
        with retained.snapshot() as snap:
            nodes, labels = snap.roots()
            named = [lab for lab in labels if lab.startswith("module ")]
            assert len(set(nodes[:len(labels)])) == len(labels)
            for k, label in enumerate(named):
                mod = sys.modules.get(label[len("module "):])
                assert snap.retainer(nodes[k]).address == id(mod), (k, label)
            path = snap.retention_path(vars(muppy)).oneline()
            assert path.startswith("module pympler.muppy -> "), path
            assert "module pympler_alias_probe" in labels
            assert "module pympler_alias_probe_2" not in labels
    finally:
        del sys.modules["pympler_alias_probe"], sys.modules["pympler_alias_probe_2"]


def test_find_path_names_an_aliased_module_by_its_first_name():
    alias = types.ModuleType("pympler_alias_probe")
    alias.payload = ["find me"]
    sys.modules["pympler_alias_probe"] = alias
    sys.modules["pympler_alias_probe_2"] = alias
    try:
        path = muppy.find_path(alias.payload)
        assert path is not None and path.labels[0] == "module pympler_alias_probe"
    finally:
        del sys.modules["pympler_alias_probe"], sys.modules["pympler_alias_probe_2"]
